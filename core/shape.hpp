#pragma once
// Shapes, strides and NumPy broadcasting. A Shape stores its dimensions inline
// (rank <= 8), so creating a tensor never allocates for its shape.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace xgrad::core {

using Index = std::int64_t;

class Shape {
 public:
  static constexpr int kMaxRank = 8;

  Shape() = default;
  Shape(std::initializer_list<Index> dims);
  explicit Shape(const std::vector<Index>& dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<Index>(*first));
  }

  int rank() const { return rank_; }
  Index operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  Index& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  /// Dimension `axis`, negative counting from the back (-1 is the last).
  Index dim(int axis) const;
  /// Product of the dimensions (1 for rank 0).
  Index numel() const;
  void push_back(Index d);
  const Index* begin() const { return dims_.data(); }
  const Index* end() const { return dims_.data() + rank_; }
  std::vector<Index> to_vector() const { return {begin(), end()}; }
  /// "(3, 4)" — the form every error message uses.
  std::string str() const;

  friend bool operator==(const Shape& a, const Shape& b);
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  std::array<Index, kMaxRank> dims_{};
  int rank_ = 0;
};

/// Row-major element strides of a contiguous tensor of this shape.
std::array<Index, Shape::kMaxRank> contiguous_strides(const Shape& s);
/// NumPy broadcast of two shapes; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Maps a possibly negative axis into [0, rank); throws naming `op` when out of range.
int normalize_axis(int axis, int rank, const char* op);
/// Sorted, unique, normalized axes; an empty list means "all axes".
std::vector<int> normalize_axes(const std::vector<int>& axes, int rank, const char* op);

}  // namespace xgrad::core
