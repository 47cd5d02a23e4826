#include "xgrad/core/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <sstream>

#include "xgrad/core/detail/format.hpp"

namespace xgrad::core {

template <class T>
void Tensor<T>::allocate() {
  for (Index d : shape_)
    if (d < 0) detail::fail("tensor: shape {} has a negative dimension", shape_);
  numel_ = shape_.numel();
  const std::size_t bytes = static_cast<std::size_t>(numel_) * sizeof(T);
  data_ = std::unique_ptr<T[], Deleter>(static_cast<T*>(allocate_bytes(bytes)), Deleter{bytes});
}

template <class T>
Tensor<T>::Tensor(const Shape& shape) : shape_(shape) {
  allocate();
}

template <class T>
Tensor<T>::Tensor(const Shape& shape, const std::vector<T>& values) : shape_(shape) {
  if (static_cast<Index>(values.size()) != shape.numel())
    detail::fail("tensor: {} values do not fill shape {} ({} elements)", values.size(), shape, shape.numel());
  allocate();
  std::copy(values.begin(), values.end(), data());
}

template <class T>
Tensor<T>::Tensor(const Shape& shape, std::initializer_list<T> values) : Tensor(shape, std::vector<T>(values)) {}

template <class T>
Tensor<T>::Tensor(const Tensor& other) : shape_(other.shape_) {
  if (!other.defined()) return;
  allocate();
  std::memcpy(data(), other.data(), static_cast<std::size_t>(numel_) * sizeof(T));
}

template <class T>
Tensor<T>& Tensor<T>::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

template <class T>
Tensor<T> Tensor<T>::zeros(const Shape& shape) {
  return full(shape, T(0));
}

template <class T>
Tensor<T> Tensor<T>::ones(const Shape& shape) {
  return full(shape, T(1));
}

template <class T>
Tensor<T> Tensor<T>::full(const Shape& shape, T value) {
  Tensor t(shape);
  t.fill_(value);
  return t;
}

template <class T>
Tensor<T> Tensor<T>::scalar(T value) {
  return full(Shape{}, value);
}

template <class T>
Tensor<T> Tensor<T>::arange(T start, T stop, T step) {
  if (step == T(0)) detail::fail<ValueError>("arange: step must not be zero");
  const double n = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
  Tensor t(Shape{std::max<Index>(0, static_cast<Index>(n))});
  for (Index i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<T>(start + static_cast<T>(i) * step);
  return t;
}

template <class T>
T Tensor<T>::item() const {
  if (numel_ != 1) detail::fail("item: tensor of shape {} has {} elements, not one", shape_, numel_);
  return data()[0];
}

namespace {
Index flat_index(const Shape& shape, std::initializer_list<Index> index) {
  if (static_cast<int>(index.size()) != shape.rank())
    detail::fail<ValueError>("at: {} indices for a tensor of shape {}", index.size(), shape);
  Index flat = 0;
  int axis = 0;
  for (Index i : index) {
    if (i < 0 || i >= shape[axis])
      detail::fail<ValueError>("at: index {} is out of range for axis {} of shape {}", i, axis, shape);
    flat = flat * shape[axis] + i;
    ++axis;
  }
  return flat;
}
}  // namespace

template <class T>
T Tensor<T>::at(std::initializer_list<Index> index) const {
  return data()[flat_index(shape_, index)];
}

template <class T>
T& Tensor<T>::at(std::initializer_list<Index> index) {
  return data()[flat_index(shape_, index)];
}

template <class T>
void Tensor<T>::fill_(T value) {
  std::fill(begin(), end(), value);
}

namespace {
Shape infer_shape(const Shape& from, const Shape& to) {
  Shape out;
  int infer = -1;
  Index known = 1;
  for (int i = 0; i < to.rank(); ++i) {
    if (to[i] == -1) {
      if (infer >= 0) detail::fail("reshape: more than one -1 in the target shape {}", to);
      infer = i;
    } else {
      known *= to[i];
    }
  }
  // Shape rejects negative dimensions, so rebuild it with the inferred one in place.
  std::vector<Index> dims(to.begin(), to.end());
  if (infer >= 0) {
    if (known == 0 || from.numel() % known != 0) detail::fail("reshape: cannot reshape {} into {}", from, to);
    dims[static_cast<std::size_t>(infer)] = from.numel() / known;
  }
  out = Shape(dims);
  if (out.numel() != from.numel()) detail::fail("reshape: cannot reshape {} into {}", from, to);
  return out;
}
}  // namespace

template <class T>
Tensor<T> Tensor<T>::reshape(const Shape& shape) const& {
  return Tensor(*this).reshape(shape);
}

template <class T>
Tensor<T> Tensor<T>::reshape(const Shape& shape) && {
  Tensor t(std::move(*this));
  t.shape_ = infer_shape(t.shape_, shape);
  return t;
}

template <class T>
template <class U>
Tensor<U> Tensor<T>::to() const {
  Tensor<U> out(shape_);
  std::transform(begin(), end(), out.begin(), [](T v) { return static_cast<U>(v); });
  return out;
}

template <class T>
std::string Tensor<T>::str() const {
  std::ostringstream os;
  os << "tensor(" << shape_.str() << ", [";
  const Index shown = std::min<Index>(numel_, 20);
  for (Index i = 0; i < shown; ++i) os << (i ? ", " : "") << data()[i];
  if (shown < numel_) os << ", ... (" << numel_ - shown << " more)";
  os << "])";
  return os.str();
}

template <class T>
std::ostream& operator<<(std::ostream& os, const Tensor<T>& t) {
  return os << t.str();
}

template <class T>
bool equal(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

template <class T>
bool allclose(const Tensor<T>& a, const Tensor<T>& b, double rtol, double atol) {
  if (a.shape() != b.shape()) return false;
  for (Index i = 0; i < a.numel(); ++i) {
    const double x = static_cast<double>(a.data()[i]), y = static_cast<double>(b.data()[i]);
    if (!(std::abs(x - y) <= atol + rtol * std::abs(y))) return false;
  }
  return true;
}

template class Tensor<float>;
template class Tensor<double>;
template class Tensor<Index>;

#define XGRAD_TENSOR_FREE(T)                                             \
  template std::ostream& operator<<(std::ostream&, const Tensor<T>&);    \
  template bool equal(const Tensor<T>&, const Tensor<T>&);               \
  template bool allclose(const Tensor<T>&, const Tensor<T>&, double, double); \
  template Tensor<float> Tensor<T>::to<float>() const;                   \
  template Tensor<double> Tensor<T>::to<double>() const;                 \
  template Tensor<Index> Tensor<T>::to<Index>() const;
XGRAD_TENSOR_FREE(float)
XGRAD_TENSOR_FREE(double)
XGRAD_TENSOR_FREE(Index)
#undef XGRAD_TENSOR_FREE

}  // namespace xgrad::core
