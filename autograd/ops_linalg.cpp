#include "xgrad/autograd/ops_linalg.hpp"

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::autograd {

namespace c = xgrad::core;
using c::Trans;
using detail::record;

template <class T>
Variable<T> matmul(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::matmul, c::matmul(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T>& x = self.input(0);
    const Tensor<T>& w = self.input(1);
    // y = x w: dx = gy w^T, dw = x^T gy — as BLAS flags, never as copies.
    if (self.needs_grad(0)) self.accumulate(0, c::matmul(gy, w, Trans::No, Trans::Yes));
    if (self.needs_grad(1)) {
      if (x.dim() == 3 && w.dim() == 2) {
        // The matrix was applied to every batch entry: sum its gradient over the batch
        // as one product of the flattened batch.
        const Tensor<T> x2 = x.reshape(Shape{x.size(0) * x.size(1), x.size(2)});
        const Tensor<T> g2 = gy.reshape(Shape{gy.size(0) * gy.size(1), gy.size(2)});
        self.accumulate(1, c::matmul(x2, g2, Trans::Yes, Trans::No));
      } else {
        self.accumulate(1, c::matmul(x, gy, Trans::Yes, Trans::No));
      }
    }
  }, a, b);
}

namespace {

// The gradients of y = x w^T + b given gy. Each is added straight into its input's
// buffer by the GEMM (beta = 1 once it exists): a weight used at every step of a
// sequence gathers its gradient without a temporary per step.
template <class T>
void linear_backward(Node<T>& self, const Tensor<T>& gy) {
  Tensor<T>* g = nullptr;
  if (self.needs_grad(0)) {
    const T beta = self.grad_buffer(0, g);
    c::linear_grad_input_(*g, gy, self.input(1), beta);
  }
  if (self.needs_grad(1)) {
    const T beta = self.grad_buffer(1, g);
    c::linear_grad_weight_(*g, gy, self.input(0), beta);
  }
  if (self.num_parents() > 2 && self.needs_grad(2)) {
    const T beta = self.grad_buffer(2, g);
    c::linear_grad_bias_(*g, gy, beta);
  }
}

template <class T, class F>
Variable<T> record_linear(OpId op, Tensor<T>&& y, F&& backward, const Variable<T>& x, const Variable<T>& w,
                          const Variable<T>& b) {
  if (b.defined()) return record(op, std::move(y), std::forward<F>(backward), x, w, b);
  return record(op, std::move(y), std::forward<F>(backward), x, w);
}

}  // namespace

template <class T>
Variable<T> linear(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear(x.value(), w.value(), b.defined() ? b.value() : none);
  return record_linear(OpId::linear, std::move(y), [](Node<T>& self, Tensor<T>& gy) { linear_backward(self, gy); },
                       x, w, b);
}

template <class T>
Variable<T> linear_relu(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b) {
  const Tensor<T> none;
  Tensor<T> y = c::linear(x.value(), w.value(), b.defined() ? b.value() : none);
  c::relu_(y);
  return record_linear(OpId::linear_relu, std::move(y), [](Node<T>& self, Tensor<T>& gy) {
    c::relu_backward_(gy, self.value);  // gy is this node's own gradient, dropped after this
    linear_backward(self, gy);
  }, x, w, b);
}

template <class T>
Variable<T> conv2d(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b, const core::Conv2dParams& p) {
  const Tensor<T> none;
  Tensor<T> y = c::conv2d(x.value(), w.value(), b.defined() ? b.value() : none, p);
  auto backward = [p](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T>& xv = self.input(0);
    const Tensor<T>& wv = self.input(1);
    if (self.needs_grad(0)) self.accumulate(0, c::conv2d_backward_input(gy, wv, xv.shape(), p));
    if (self.needs_grad(1)) self.accumulate(1, c::conv2d_backward_weight(gy, xv, wv.shape(), p));
    if (self.num_parents() > 2 && self.needs_grad(2)) self.accumulate(2, c::sum(gy, {0, 2, 3}));
  };
  if (b.defined()) return record(OpId::conv2d, std::move(y), backward, x, w, b);
  return record(OpId::conv2d, std::move(y), backward, x, w);
}

template <class T>
Variable<T> conv_transpose2d(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b,
                             const core::Conv2dParams& p, std::array<Index, 2> output_padding) {
  const Tensor<T> none;
  Tensor<T> y = c::conv_transpose2d(x.value(), w.value(), b.defined() ? b.value() : none, p, output_padding);
  auto backward = [p](Node<T>& self, Tensor<T>& gy) {
    // y = A_w^T x where A_w is conv2d with weight w (Cin, Cout, kh, kw) read as (O=Cin, C=Cout):
    // dx = A_w gy = conv2d(gy, w); dw = d<x, conv2d(gy, w)>/dw = conv2d_backward_weight(x, gy).
    const Tensor<T>& xv = self.input(0);
    const Tensor<T>& wv = self.input(1);
    if (self.needs_grad(0)) self.accumulate(0, c::conv2d(gy, wv, Tensor<T>(), p));
    if (self.needs_grad(1)) self.accumulate(1, c::conv2d_backward_weight(xv, gy, wv.shape(), p));
    if (self.num_parents() > 2 && self.needs_grad(2)) self.accumulate(2, c::sum(gy, {0, 2, 3}));
  };
  if (b.defined()) return record(OpId::conv_transpose2d, std::move(y), backward, x, w, b);
  return record(OpId::conv_transpose2d, std::move(y), backward, x, w);
}

#define XGRAD_INSTANTIATE(T)                                                                                   \
  template Variable<T> matmul(const Variable<T>&, const Variable<T>&);                                         \
  template Variable<T> linear(const Variable<T>&, const Variable<T>&, const Variable<T>&);                     \
  template Variable<T> linear_relu(const Variable<T>&, const Variable<T>&, const Variable<T>&);                \
  template Variable<T> conv2d(const Variable<T>&, const Variable<T>&, const Variable<T>&,                      \
                              const core::Conv2dParams&);                                                      \
  template Variable<T> conv_transpose2d(const Variable<T>&, const Variable<T>&, const Variable<T>&,            \
                                        const core::Conv2dParams&, std::array<Index, 2>);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::autograd
