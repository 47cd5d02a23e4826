#include "xgrad/core/shape.hpp"

#include <algorithm>

#include "xgrad/core/detail/format.hpp"

namespace xgrad::core {

Shape::Shape(std::initializer_list<Index> dims) : Shape(dims.begin(), dims.end()) {}
Shape::Shape(const std::vector<Index>& dims) : Shape(dims.begin(), dims.end()) {}

Index Shape::dim(int axis) const { return dims_[static_cast<std::size_t>(normalize_axis(axis, rank_, "size"))]; }

Index Shape::numel() const {
  // A zero anywhere makes the product 0 even when the other sizes would overflow.
  for (int i = 0; i < rank_; ++i)
    if (dims_[static_cast<std::size_t>(i)] == 0) return 0;
  Index n = 1;
  for (int i = 0; i < rank_; ++i)
    if (__builtin_mul_overflow(n, dims_[static_cast<std::size_t>(i)], &n))
      detail::fail("shape: {} has more elements than fit in 64 bits", str());
  return n;
}

void Shape::push_back(Index d) {
  if (rank_ == kMaxRank) detail::fail("shape: rank above the maximum of {}", kMaxRank);
  // -1 is allowed as reshape's "infer this one"; tensors reject it on allocation.
  if (d < -1) detail::fail("shape: negative dimension {}", d);
  dims_[static_cast<std::size_t>(rank_++)] = d;
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<std::size_t>(i)]);
  }
  return s + ")";
}

bool operator==(const Shape& a, const Shape& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

std::array<Index, Shape::kMaxRank> contiguous_strides(const Shape& s) {
  std::array<Index, Shape::kMaxRank> st{};
  Index acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    st[static_cast<std::size_t>(i)] = acc;
    acc *= s[i];
  }
  return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b) return a;
  const int r = std::max(a.rank(), b.rank());
  std::array<Index, Shape::kMaxRank> d{};
  for (int i = 0; i < r; ++i) {
    const int ia = a.rank() - r + i, ib = b.rank() - r + i;
    const Index da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) detail::fail("{}: shapes {} and {} cannot be broadcast together", op, a, b);
    d[static_cast<std::size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(d.begin(), d.begin() + r);
}

int normalize_axis(int axis, int rank, const char* op) {
  const int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max(rank, 1) || (rank == 0 && a != 0))
    detail::fail<ValueError>("{}: axis {} is out of range for a tensor of rank {}", op, axis, rank);
  return a;
}

std::vector<int> normalize_axes(const std::vector<int>& axes, int rank, const char* op) {
  std::vector<int> out;
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int a : axes) out.push_back(normalize_axis(a, rank, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    detail::fail<ValueError>("{}: an axis is repeated in the list of axes", op);
  return out;
}

}  // namespace xgrad::core
