// A Linear over [x, one_hot(labels)] (core/linalg.hpp) without the concatenation: a
// one-hot row times the weight is one column of it, so the label part is a lookup in
// the forward and a sum of rows per class in the backward, and the GEMM runs on x alone.
#include <algorithm>
#include <vector>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

// Rows a task seeds (the seeding is a memory-bound copy, as linear's bias copy).
constexpr Index kRowGrain = 64;

struct OneHotShape {
  Index rows, in, classes, out;
};

template <class T>
OneHotShape shape_of(const char* op, const Tensor<T>& x, const IndexTensor& labels, const Tensor<T>& w) {
  if (w.dim() != 2 || x.dim() < 1 || x.size(-1) > w.size(1))
    detail::fail("{}: expects input (..., in) and weight (out, in + classes), got shapes {} and {}", op, x.shape(),
                 w.shape());
  const Index in = x.size(-1), rows = x.numel() / std::max<Index>(in, 1);
  const Shape leading(x.shape().begin(), x.shape().end() - 1);
  if (labels.shape() != leading)
    detail::fail("{}: labels {} do not match the input's rows {}", op, labels.shape(), leading);
  const Index classes = w.size(1) - in;
  for (Index r = 0; r < rows; ++r)
    if (labels.data()[r] < 0 || labels.data()[r] >= classes)
      detail::fail<ValueError>("{}: label {} at row {} is out of range for {} classes", op, labels.data()[r], r, classes);
  return {rows, in, classes, w.size(0)};
}

}  // namespace

template <class T>
Tensor<T> linear_one_hot(const Tensor<T>& x, const IndexTensor& labels, const Tensor<T>& w, const Tensor<T>& bias) {
  const auto [rows, in, classes, out] = shape_of("linear_one_hot", x, labels, w);
  if (bias.defined() && bias.shape() != Shape{out})
    detail::fail("linear_one_hot: bias {} does not match weight {} ({} outputs)", bias.shape(), w.shape(), out);
  const Index ld = in + classes;
  // The label columns of w as rows (classes, out), bias included: one strided pass over
  // w here, then each output row is seeded with one contiguous row of this table.
  std::vector<T> table(static_cast<std::size_t>(classes * out));
  for (Index j = 0; j < out; ++j)
    for (Index c = 0; c < classes; ++c)
      table[c * out + j] = w.data()[j * ld + in + c] + (bias.defined() ? bias.data()[j] : T(0));
  Shape ys(x.shape().begin(), x.shape().end() - 1);
  ys.push_back(out);
  Tensor<T> y(ys);
  parallel_for(0, rows, kRowGrain, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      const T* row = table.data() + labels.data()[r] * out;
      std::copy(row, row + out, y.data() + r * out);
    }
  });
  detail::gemm(false, true, rows, out, in, T(1), x.data(), in, w.data(), ld, T(1), y.data(), out);
  return y;
}

template <class T>
void linear_one_hot_grad_input_(Tensor<T>& gx, const Tensor<T>& gy, const Tensor<T>& w, T beta) {
  const Index out = w.size(0), in = gx.dim() >= 1 ? gx.size(-1) : 0;
  const Index rows = gy.numel() / std::max<Index>(out, 1);
  if (gy.dim() < 1 || gy.size(-1) != out || in > w.size(1) || gx.numel() != rows * in)
    detail::fail("linear_one_hot_grad_input_: gradients {} and {} do not fit weight {}", gx.shape(), gy.shape(),
                 w.shape());
  detail::gemm(false, false, rows, in, out, T(1), gy.data(), out, w.data(), w.size(1), beta, gx.data(), in);
}

template <class T>
void linear_one_hot_grad_weight_(Tensor<T>& gw, const Tensor<T>& gy, const Tensor<T>& x, const IndexTensor& labels,
                                 T beta) {
  const auto [rows, in, classes, out] = shape_of("linear_one_hot_grad_weight_", x, labels, gw);
  if (gy.numel() != rows * out)
    detail::fail("linear_one_hot_grad_weight_: output gradient {} does not match {} rows of {}", gy.shape(), rows, out);
  const Index ld = in + classes;
  detail::gemm(true, false, out, in, rows, T(1), gy.data(), out, x.data(), in, beta, gw.data(), ld);
  // Each class's rows of gy summed in row order (the same sum on any thread count), then
  // written down the class's column of gw.
  std::vector<T> sums(static_cast<std::size_t>(classes * out), T(0));
  for (Index r = 0; r < rows; ++r) {
    T* s = sums.data() + labels.data()[r] * out;
    const T* g = gy.data() + r * out;
    for (Index j = 0; j < out; ++j) s[j] += g[j];
  }
  for (Index j = 0; j < out; ++j) {
    T* col = gw.data() + j * ld + in;
    for (Index c = 0; c < classes; ++c) col[c] = (beta == T(0) ? T(0) : beta * col[c]) + sums[c * out + j];
  }
}

#define XGRAD_INSTANTIATE(T)                                                                                       \
  template Tensor<T> linear_one_hot<T>(const Tensor<T>&, const IndexTensor&, const Tensor<T>&, const Tensor<T>&); \
  template void linear_one_hot_grad_input_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);                 \
  template void linear_one_hot_grad_weight_<T>(Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const IndexTensor&, T);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
