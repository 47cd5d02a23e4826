#pragma once
// Differentiable element-wise ops. Binary ops broadcast (NumPy rules) and their
// gradients are summed back to each input's shape. T is float or double.
#include <type_traits>
#include <utility>

#include "xgrad/autograd/variable.hpp"

namespace xgrad::autograd {

template <class T> Variable<T> add(const Variable<T>& a, const Variable<T>& b);
template <class T> Variable<T> sub(const Variable<T>& a, const Variable<T>& b);
template <class T> Variable<T> mul(const Variable<T>& a, const Variable<T>& b);
template <class T> Variable<T> div(const Variable<T>& a, const Variable<T>& b);
/// a ** b (d/db uses log a: keep a > 0 where b needs a gradient).
template <class T> Variable<T> pow(const Variable<T>& a, const Variable<T>& b);
/// Gradient goes to the larger operand; a tie gives half to each, as torch.maximum does.
template <class T> Variable<T> maximum(const Variable<T>& a, const Variable<T>& b);
/// Gradient goes to the smaller operand; a tie gives half to each, as torch.minimum does.
template <class T> Variable<T> minimum(const Variable<T>& a, const Variable<T>& b);

template <class T> Variable<T> add(const Variable<T>& a, T s);
template <class T> Variable<T> sub(const Variable<T>& a, T s);
/// s - a
template <class T> Variable<T> rsub(T s, const Variable<T>& a);
template <class T> Variable<T> mul(const Variable<T>& a, T s);
template <class T> Variable<T> div(const Variable<T>& a, T s);
/// s / a
template <class T> Variable<T> rdiv(T s, const Variable<T>& a);
template <class T> Variable<T> pow(const Variable<T>& a, T exponent);

template <class T> Variable<T> neg(const Variable<T>& x);
template <class T> Variable<T> exp(const Variable<T>& x);
template <class T> Variable<T> log(const Variable<T>& x);
template <class T> Variable<T> log1p(const Variable<T>& x);
template <class T> Variable<T> expm1(const Variable<T>& x);
template <class T> Variable<T> sqrt(const Variable<T>& x);
template <class T> Variable<T> rsqrt(const Variable<T>& x);
/// d|x|/dx = sign(x) (0 at 0, like PyTorch).
template <class T> Variable<T> abs(const Variable<T>& x);
template <class T> Variable<T> square(const Variable<T>& x);
/// Gradient passes where lo <= x <= hi.
template <class T> Variable<T> clamp(const Variable<T>& x, T lo, T hi);
template <class T> Variable<T> tanh(const Variable<T>& x);
template <class T> Variable<T> sigmoid(const Variable<T>& x);
template <class T> Variable<T> relu(const Variable<T>& x);
template <class T> Variable<T> leaky_relu(const Variable<T>& x, T slope = T(0.01));
template <class T> Variable<T> elu(const Variable<T>& x, T alpha = T(1));
/// log(1 + exp(x)), stable; gradient sigmoid(x).
template <class T> Variable<T> softplus(const Variable<T>& x);
/// x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (exact, PyTorch's default); gradient Phi(x) + x phi(x).
template <class T> Variable<T> gelu(const Variable<T>& x);
/// cond != 0 ? a : b; no gradient flows to the condition.
template <class T> Variable<T> where(const Tensor<T>& cond, const Variable<T>& a, const Variable<T>& b);

template <class T> Variable<T> operator+(const Variable<T>& a, const Variable<T>& b) { return add(a, b); }
template <class T> Variable<T> operator-(const Variable<T>& a, const Variable<T>& b) { return sub(a, b); }
template <class T> Variable<T> operator*(const Variable<T>& a, const Variable<T>& b) { return mul(a, b); }
template <class T> Variable<T> operator/(const Variable<T>& a, const Variable<T>& b) { return div(a, b); }
template <class T> Variable<T> operator-(const Variable<T>& a) { return neg(a); }

/// An arithmetic scalar (int, float, double, ...) converts to the variable's type T: `x * 0.5`, `2 * x`,
/// `1 - x` and `x / 2` mean what they mean in PyTorch (true division) for float and double.
template <class S>
concept Scalar = std::is_arithmetic_v<S>;

template <class T, Scalar S> Variable<T> operator+(const Variable<T>& a, S s) { return add(a, static_cast<T>(s)); }
template <class T, Scalar S> Variable<T> operator-(const Variable<T>& a, S s) { return sub(a, static_cast<T>(s)); }
template <class T, Scalar S> Variable<T> operator*(const Variable<T>& a, S s) { return mul(a, static_cast<T>(s)); }
template <class T, Scalar S> Variable<T> operator/(const Variable<T>& a, S s) { return div(a, static_cast<T>(s)); }
template <class T, Scalar S> Variable<T> operator+(S s, const Variable<T>& a) { return add(a, static_cast<T>(s)); }
template <class T, Scalar S> Variable<T> operator-(S s, const Variable<T>& a) { return rsub(static_cast<T>(s), a); }
template <class T, Scalar S> Variable<T> operator*(S s, const Variable<T>& a) { return mul(a, static_cast<T>(s)); }
template <class T, Scalar S> Variable<T> operator/(S s, const Variable<T>& a) { return rdiv(static_cast<T>(s), a); }

// A tensor operand is a constant: a Variable without a gradient (moved in when passed as
// an rvalue), broadcast like any other operand.
template <class T> Variable<T> operator+(const Variable<T>& a, Tensor<T> t) { return a + Variable<T>(std::move(t)); }
template <class T> Variable<T> operator-(const Variable<T>& a, Tensor<T> t) { return a - Variable<T>(std::move(t)); }
template <class T> Variable<T> operator*(const Variable<T>& a, Tensor<T> t) { return a * Variable<T>(std::move(t)); }
template <class T> Variable<T> operator/(const Variable<T>& a, Tensor<T> t) { return a / Variable<T>(std::move(t)); }
template <class T> Variable<T> operator+(Tensor<T> t, const Variable<T>& a) { return Variable<T>(std::move(t)) + a; }
template <class T> Variable<T> operator-(Tensor<T> t, const Variable<T>& a) { return Variable<T>(std::move(t)) - a; }
template <class T> Variable<T> operator*(Tensor<T> t, const Variable<T>& a) { return Variable<T>(std::move(t)) * a; }
template <class T> Variable<T> operator/(Tensor<T> t, const Variable<T>& a) { return Variable<T>(std::move(t)) / a; }

}  // namespace xgrad::autograd
