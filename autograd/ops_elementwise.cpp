#include "xgrad/autograd/ops_elementwise.hpp"

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/elementwise.hpp"

// Each op: the forward value, then the backward closure right beside it. Closures
// read inputs and the result through the node (`self.input(i)`, `self.value`)
// rather than capturing copies, and skip inputs that need no gradient.
namespace xgrad::autograd {

namespace c = xgrad::core;
using detail::record;

// ---- binary, broadcasting -----------------------------------------------------

template <class T>
Variable<T> add(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::add, c::add(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    // The last input served takes gy itself, without a copy: an input that was broadcast
    // (x + positions, x + a code per row) is summed from gy first and x takes gy.
    const std::size_t last = self.input(1).shape() != gy.shape() ? 0 : 1;
    const bool both = self.needs_grad(0) && self.needs_grad(1);
    if (self.needs_grad(1 - last)) self.accumulate_reduced(1 - last, gy, !both);
    if (self.needs_grad(last)) self.accumulate_reduced(last, gy, true);  // gy is not read after this
  }, a, b);
}

template <class T>
Variable<T> sub(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::sub, c::sub(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    if (self.needs_grad(1)) self.accumulate(1, c::neg(c::sum_to(gy, self.input(1).shape())));
    if (self.needs_grad(0)) self.accumulate_reduced(0, gy, true);  // gy is not read after this
  }, a, b);
}

template <class T>
Variable<T> mul(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::mul, c::mul(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    if (self.needs_grad(0)) self.accumulate(0, c::sum_to(c::mul(gy, self.input(1)), self.input(0).shape()));
    if (self.needs_grad(1)) self.accumulate(1, c::sum_to(c::mul(gy, self.input(0)), self.input(1).shape()));
  }, a, b);
}

template <class T>
Variable<T> div(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::div, c::div(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T> ga = c::div(gy, self.input(1));  // d/da = 1/b; d/db = -(a/b)/b = -y/b
    if (self.needs_grad(1))
      self.accumulate(1, c::sum_to(c::neg(c::mul(ga, self.value)), self.input(1).shape()));
    if (self.needs_grad(0)) self.accumulate(0, c::sum_to(ga, self.input(0).shape()));
  }, a, b);
}

template <class T>
Variable<T> pow(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::pow, c::pow(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T>& x = self.input(0);
    const Tensor<T>& e = self.input(1);
    if (self.needs_grad(0))  // e * x^(e-1)
      self.accumulate(0, c::sum_to(c::mul(gy, c::mul(e, c::pow(x, c::sub(e, T(1))))), x.shape()));
    if (self.needs_grad(1))  // y * log x
      self.accumulate(1, c::sum_to(c::mul(gy, c::mul(self.value, c::log(x))), e.shape()));
  }, a, b);
}

namespace {

// PyTorch's rule for maximum and minimum (1.13's derivatives.yaml): a tie splits the
// gradient half and half, and each side loses it only where the other strictly wins,
// so where a NaN is compared both sides get all of it. `a_wins` is gt for maximum and
// lt for minimum.
template <class T, class AWins>
void extremum_backward(Node<T>& self, const Tensor<T>& gy, AWins a_wins) {
  const Tensor<T>& a = self.input(0);
  const Tensor<T>& b = self.input(1);
  const Tensor<T> half_tie = c::mul(c::eq(a, b), T(0.5));
  if (self.needs_grad(0))  // gy * (1 - [b wins] - [tie] / 2)
    self.accumulate(0, c::sum_to(c::mul(gy, c::rsub(T(1), c::add(a_wins(b, a), half_tie))), a.shape()));
  if (self.needs_grad(1))
    self.accumulate(1, c::sum_to(c::mul(gy, c::rsub(T(1), c::add(a_wins(a, b), half_tie))), b.shape()));
}

}  // namespace

template <class T>
Variable<T> maximum(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::maximum, c::maximum(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    extremum_backward(self, gy, [](const Tensor<T>& x, const Tensor<T>& y) { return c::gt(x, y); });
  }, a, b);
}

template <class T>
Variable<T> minimum(const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::minimum, c::minimum(a.value(), b.value()), [](Node<T>& self, Tensor<T>& gy) {
    extremum_backward(self, gy, [](const Tensor<T>& x, const Tensor<T>& y) { return c::lt(x, y); });
  }, a, b);
}

// ---- with a scalar -------------------------------------------------------------

template <class T>
Variable<T> add(const Variable<T>& a, T s) {
  return record(OpId::add_scalar, c::add(a.value(), s),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, std::move(gy)); }, a);
}

template <class T>
Variable<T> sub(const Variable<T>& a, T s) {
  return add(a, T(-s));
}

template <class T>
Variable<T> rsub(T s, const Variable<T>& a) {
  return record(OpId::rsub_scalar, c::rsub(s, a.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::neg(gy)); }, a);
}

template <class T>
Variable<T> mul(const Variable<T>& a, T s) {
  return record(OpId::mul_scalar, c::mul(a.value(), s), [s](Node<T>& self, Tensor<T>& gy) {
    c::mul_(gy, s);
    self.accumulate(0, std::move(gy));
  }, a);
}

template <class T>
Variable<T> div(const Variable<T>& a, T s) {
  return mul(a, T(1) / s);
}

template <class T>
Variable<T> rdiv(T s, const Variable<T>& a) {
  return record(OpId::rdiv_scalar, c::rdiv(s, a.value()), [](Node<T>& self, Tensor<T>& gy) {
    // y = s/x, dy/dx = -y/x
    self.accumulate(0, c::neg(c::mul(gy, c::div(self.value, self.input(0)))));
  }, a);
}

template <class T>
Variable<T> pow(const Variable<T>& a, T e) {
  return record(OpId::pow_scalar, c::pow(a.value(), e), [e](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::mul(gy, c::mul(c::pow(self.input(0), T(e - 1)), e)));
  }, a);
}

// ---- unary -------------------------------------------------------------------------

template <class T>
Variable<T> neg(const Variable<T>& x) {
  return record(OpId::neg, c::neg(x.value()), [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::neg(gy)); }, x);
}

template <class T>
Variable<T> exp(const Variable<T>& x) {
  return record(OpId::exp, c::exp(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::mul(gy, self.value)); }, x);
}

template <class T>
Variable<T> log(const Variable<T>& x) {
  return record(OpId::log, c::log(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::div(gy, self.input(0))); }, x);
}

template <class T>
Variable<T> log1p(const Variable<T>& x) {
  return record(OpId::log1p, c::log1p(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::div(gy, c::add(self.input(0), T(1)))); }, x);
}

template <class T>
Variable<T> expm1(const Variable<T>& x) {
  return record(OpId::expm1, c::expm1(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::mul(gy, c::add(self.value, T(1)))); }, x);
}

template <class T>
Variable<T> sqrt(const Variable<T>& x) {
  return record(OpId::sqrt, c::sqrt(x.value()), [](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::div(c::mul(gy, T(0.5)), self.value));
  }, x);
}

template <class T>
Variable<T> rsqrt(const Variable<T>& x) {
  return record(OpId::rsqrt, c::rsqrt(x.value()), [](Node<T>& self, Tensor<T>& gy) {
    // y = x^-1/2, dy/dx = -y^3 / 2
    self.accumulate(0, c::mul(gy, c::mul(c::pow(self.value, T(3)), T(-0.5))));
  }, x);
}

template <class T>
Variable<T> abs(const Variable<T>& x) {
  return record(OpId::abs, c::abs(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::mul(gy, c::sign(self.input(0)))); }, x);
}

template <class T>
Variable<T> square(const Variable<T>& x) {
  return record(OpId::square, c::square(x.value()), [](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::mul(gy, c::mul(self.input(0), T(2))));
  }, x);
}

template <class T>
Variable<T> clamp(const Variable<T>& x, T lo, T hi) {
  return record(OpId::clamp, c::clamp(x.value(), lo, hi), [lo, hi](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::clamp_backward(self.input(0), gy, lo, hi));
  }, x);
}

template <class T>
Variable<T> tanh(const Variable<T>& x) {
  return record(OpId::tanh, c::tanh(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::tanh_backward(self.value, gy)); }, x);
}

template <class T>
Variable<T> sigmoid(const Variable<T>& x) {
  return record(OpId::sigmoid, c::sigmoid(x.value()),
                [](Node<T>& self, Tensor<T>& gy) { self.accumulate(0, c::sigmoid_backward(self.value, gy)); }, x);
}

template <class T>
Variable<T> relu(const Variable<T>& x) {
  return record(OpId::relu, c::relu(x.value()), [](Node<T>& self, Tensor<T>& gy) {
    c::relu_backward_(gy, self.value);  // gy is this node's own gradient, dropped after this: reuse it
    self.accumulate(0, std::move(gy));
  }, x);
}

template <class T>
Variable<T> leaky_relu(const Variable<T>& x, T slope) {
  return record(OpId::leaky_relu, c::leaky_relu(x.value(), slope), [slope](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::leaky_relu_backward(self.input(0), gy, slope));
  }, x);
}

template <class T>
Variable<T> elu(const Variable<T>& x, T alpha) {
  return record(OpId::elu, c::elu(x.value(), alpha), [alpha](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::elu_backward(self.input(0), self.value, gy, alpha));
  }, x);
}

template <class T>
Variable<T> softplus(const Variable<T>& x) {
  return record(OpId::softplus, c::softplus(x.value()), [](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::softplus_backward(self.input(0), gy));
  }, x);
}

template <class T>
Variable<T> gelu(const Variable<T>& x) {
  return record(OpId::gelu, c::gelu(x.value()), [](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::gelu_backward(self.input(0), gy));
  }, x);
}

template <class T>
Variable<T> where(const Tensor<T>& cond, const Variable<T>& a, const Variable<T>& b) {
  return record(OpId::where, c::where(cond, a.value(), b.value()), [cond](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T> zero = Tensor<T>::scalar(T(0));
    if (self.needs_grad(0)) self.accumulate(0, c::sum_to(c::where(cond, gy, zero), self.input(0).shape()));
    if (self.needs_grad(1)) self.accumulate(1, c::sum_to(c::where(cond, zero, gy), self.input(1).shape()));
  }, a, b);
}

#define XGRAD_INSTANTIATE(T)                                                                   \
  template Variable<T> add(const Variable<T>&, const Variable<T>&);                            \
  template Variable<T> sub(const Variable<T>&, const Variable<T>&);                            \
  template Variable<T> mul(const Variable<T>&, const Variable<T>&);                            \
  template Variable<T> div(const Variable<T>&, const Variable<T>&);                            \
  template Variable<T> pow(const Variable<T>&, const Variable<T>&);                            \
  template Variable<T> maximum(const Variable<T>&, const Variable<T>&);                        \
  template Variable<T> minimum(const Variable<T>&, const Variable<T>&);                        \
  template Variable<T> add(const Variable<T>&, T);                                             \
  template Variable<T> sub(const Variable<T>&, T);                                             \
  template Variable<T> rsub(T, const Variable<T>&);                                            \
  template Variable<T> mul(const Variable<T>&, T);                                             \
  template Variable<T> div(const Variable<T>&, T);                                             \
  template Variable<T> rdiv(T, const Variable<T>&);                                            \
  template Variable<T> pow(const Variable<T>&, T);                                             \
  template Variable<T> neg(const Variable<T>&);                                                \
  template Variable<T> exp(const Variable<T>&);                                                \
  template Variable<T> log(const Variable<T>&);                                                \
  template Variable<T> log1p(const Variable<T>&);                                              \
  template Variable<T> expm1(const Variable<T>&);                                              \
  template Variable<T> sqrt(const Variable<T>&);                                               \
  template Variable<T> rsqrt(const Variable<T>&);                                              \
  template Variable<T> abs(const Variable<T>&);                                                \
  template Variable<T> square(const Variable<T>&);                                             \
  template Variable<T> clamp(const Variable<T>&, T, T);                                        \
  template Variable<T> tanh(const Variable<T>&);                                               \
  template Variable<T> sigmoid(const Variable<T>&);                                            \
  template Variable<T> relu(const Variable<T>&);                                               \
  template Variable<T> leaky_relu(const Variable<T>&, T);                                      \
  template Variable<T> elu(const Variable<T>&, T);                                             \
  template Variable<T> gelu(const Variable<T>&);                                               \
  template Variable<T> softplus(const Variable<T>&);                                           \
  template Variable<T> where(const Tensor<T>&, const Variable<T>&, const Variable<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::autograd
