#pragma once
// Tensor<T>: an owning, contiguous, row-major n-d array. Copies are deep
// (use std::move to hand a tensor over); kernels live in the op headers and are
// written against xtensor in .cpp files, so this header stays light.
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/error.hpp"
#include "xgrad/core/memory.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::core {

template <class T>
class Tensor {
 public:
  using value_type = T;

  /// An undefined tensor: no storage, rank 0, numel 0. `defined()` is false.
  Tensor() = default;
  /// Uninitialised storage of the given shape.
  explicit Tensor(const Shape& shape);
  /// Copies `values` (row-major); their count must equal shape.numel().
  Tensor(const Shape& shape, const std::vector<T>& values);
  Tensor(const Shape& shape, std::initializer_list<T> values);

  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&& other) noexcept = default;
  Tensor& operator=(Tensor&& other) noexcept = default;
  ~Tensor() = default;

  static Tensor empty(const Shape& shape) { return Tensor(shape); }
  static Tensor zeros(const Shape& shape);
  static Tensor ones(const Shape& shape);
  static Tensor full(const Shape& shape, T value);
  /// A rank-0 tensor holding `value`.
  static Tensor scalar(T value);
  /// [start, stop) in steps of `step` (like numpy.arange); rank 1.
  static Tensor arange(T start, T stop, T step = T(1));

  bool defined() const { return data_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int dim() const { return shape_.rank(); }
  /// Size of `axis` (negative counts from the back).
  Index size(int axis) const { return shape_.dim(axis); }
  Index numel() const { return numel_; }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T* begin() { return data(); }
  T* end() { return data() + numel_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + numel_; }

  /// The single value of a one-element tensor.
  T item() const;
  /// Element at a full multi-index (bounds-checked).
  T at(std::initializer_list<Index> index) const;
  T& at(std::initializer_list<Index> index);
  std::vector<T> to_vector() const { return {begin(), end()}; }

  void fill_(T value);
  /// Same data under a new shape with the same numel (-1 infers one dimension).
  Tensor reshape(const Shape& shape) const&;
  Tensor reshape(const Shape& shape) &&;
  /// Converts element type (float <-> double <-> Index).
  template <class U>
  Tensor<U> to() const;

  /// "tensor((2, 2), [1, 2, 3, 4])"; long tensors are abbreviated.
  std::string str() const;

 private:
  struct Deleter {
    std::size_t bytes = 0;
    void operator()(T* p) const noexcept { deallocate_bytes(p, bytes); }
  };
  void allocate();

  Shape shape_;
  Index numel_ = 0;
  std::unique_ptr<T[], Deleter> data_;
};

using IndexTensor = Tensor<Index>;

template <class T>
std::ostream& operator<<(std::ostream& os, const Tensor<T>& t);

/// Element-wise equality of shape and values (exact).
template <class T>
bool equal(const Tensor<T>& a, const Tensor<T>& b);
/// Same shape and |a - b| <= atol + rtol * |b| everywhere (NaNs never match).
template <class T>
bool allclose(const Tensor<T>& a, const Tensor<T>& b, double rtol = 1e-5, double atol = 1e-8);

extern template class Tensor<float>;
extern template class Tensor<double>;
extern template class Tensor<Index>;

}  // namespace xgrad::core
