#pragma once
// Element-wise kernels. Binary ops broadcast with NumPy rules; every kernel is
// vectorised (xsimd through xtensor) and runs in parallel above a measured size.
// T is float or double unless noted.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

// ---- binary, broadcasting -------------------------------------------------
template <class T> Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b);
/// a ** b element-wise.
template <class T> Tensor<T> pow(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> minimum(const Tensor<T>& a, const Tensor<T>& b);

// ---- with a scalar ----------------------------------------------------------
template <class T> Tensor<T> add(const Tensor<T>& a, T s);
template <class T> Tensor<T> sub(const Tensor<T>& a, T s);
/// s - a
template <class T> Tensor<T> rsub(T s, const Tensor<T>& a);
template <class T> Tensor<T> mul(const Tensor<T>& a, T s);
template <class T> Tensor<T> div(const Tensor<T>& a, T s);
/// s / a
template <class T> Tensor<T> rdiv(T s, const Tensor<T>& a);
template <class T> Tensor<T> pow(const Tensor<T>& a, T exponent);

// ---- unary ------------------------------------------------------------------
template <class T> Tensor<T> neg(const Tensor<T>& x);
template <class T> Tensor<T> exp(const Tensor<T>& x);
template <class T> Tensor<T> log(const Tensor<T>& x);
template <class T> Tensor<T> log1p(const Tensor<T>& x);
template <class T> Tensor<T> expm1(const Tensor<T>& x);
template <class T> Tensor<T> sqrt(const Tensor<T>& x);
/// 1 / sqrt(x)
template <class T> Tensor<T> rsqrt(const Tensor<T>& x);
template <class T> Tensor<T> abs(const Tensor<T>& x);
/// -1, 0 or +1.
template <class T> Tensor<T> sign(const Tensor<T>& x);
template <class T> Tensor<T> square(const Tensor<T>& x);
template <class T> Tensor<T> clamp(const Tensor<T>& x, T lo, T hi);
template <class T> Tensor<T> tanh(const Tensor<T>& x);
/// 1 / (1 + exp(-x)), stable for large |x|.
template <class T> Tensor<T> sigmoid(const Tensor<T>& x);
template <class T> Tensor<T> relu(const Tensor<T>& x);
/// x if x > 0 else slope * x
template <class T> Tensor<T> leaky_relu(const Tensor<T>& x, T slope = T(0.01));
/// x if x > 0 else alpha * (exp(x) - 1)
template <class T> Tensor<T> elu(const Tensor<T>& x, T alpha = T(1));
/// log(1 + exp(x)) computed as max(x, 0) + log1p(exp(-|x|)).
template <class T> Tensor<T> softplus(const Tensor<T>& x);
/// x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), the exact GELU (PyTorch's default).
template <class T> Tensor<T> gelu(const Tensor<T>& x);

// ---- comparisons and selection: masks are 0/1 tensors of the same type -------
template <class T> Tensor<T> eq(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> ne(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> lt(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> le(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> gt(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> ge(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> gt(const Tensor<T>& a, T s);
template <class T> Tensor<T> lt(const Tensor<T>& a, T s);
/// cond != 0 ? a : b, all three broadcast together.
template <class T> Tensor<T> where(const Tensor<T>& cond, const Tensor<T>& a, const Tensor<T>& b);

// ---- broadcasting helpers ------------------------------------------------------
/// Materialises `x` broadcast to `shape`.
template <class T> Tensor<T> broadcast_to(const Tensor<T>& x, const Shape& shape);
/// Sums `x` over the axes a broadcast to x.shape() from `shape` added or stretched;
/// the inverse of broadcast_to for gradients.
template <class T> Tensor<T> sum_to(const Tensor<T>& x, const Shape& shape);

// ---- in place (the gradient accumulators of autograd use these) ---------------
/// a += b, with b broadcast to a's shape.
template <class T> void add_(Tensor<T>& a, const Tensor<T>& b);
/// a += alpha * b, same shape.
template <class T> void axpy_(Tensor<T>& a, T alpha, const Tensor<T>& b);
/// a *= s
template <class T> void mul_(Tensor<T>& a, T s);
/// a *= b, same shape.
template <class T> void mul_(Tensor<T>& a, const Tensor<T>& b);
/// a = a * s + t * b, same shape (momentum-style updates).
template <class T> void lerp_(Tensor<T>& a, T s, const Tensor<T>& b, T t);

// ---- fused backward kernels: gradient of x given upstream gy ------------------
/// gy * y * (1 - y), y = sigmoid(x)
template <class T> Tensor<T> sigmoid_backward(const Tensor<T>& y, const Tensor<T>& gy);
/// gy * (1 - y^2), y = tanh(x)
template <class T> Tensor<T> tanh_backward(const Tensor<T>& y, const Tensor<T>& gy);
/// gy where y > 0, else 0 (y = relu(x))
template <class T> Tensor<T> relu_backward(const Tensor<T>& y, const Tensor<T>& gy);
/// In place: x = relu(x), and gy = relu_backward(y, gy) (for fused ops that own the buffers).
template <class T> void relu_(Tensor<T>& x);
template <class T> void relu_backward_(Tensor<T>& gy, const Tensor<T>& y);
template <class T> Tensor<T> leaky_relu_backward(const Tensor<T>& x, const Tensor<T>& gy, T slope);
/// gy where x > 0, else gy * (y + alpha), y = elu(x)
template <class T> Tensor<T> elu_backward(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& gy, T alpha);
/// gy * sigmoid(x)
template <class T> Tensor<T> softplus_backward(const Tensor<T>& x, const Tensor<T>& gy);
/// gy * (Phi(x) + x phi(x)), y = gelu(x)
template <class T> Tensor<T> gelu_backward(const Tensor<T>& x, const Tensor<T>& gy);
/// In place: x = gelu(x); returns the slope Phi(x) + x phi(x) at the old x (for fused ops
/// whose backward is then gy * slope), from one erf and one exp per element.
template <class T> Tensor<T> gelu_and_slope_(Tensor<T>& x);
/// gelu_and_slope_ of x + bias, for x (..., n) and bias (n): the bias added in the same
/// pass (a linear's bias then needs no pass of its own before the GEMM).
template <class T> Tensor<T> bias_gelu_and_slope_(Tensor<T>& x, const Tensor<T>& bias);
/// gy where lo <= x <= hi, else 0
template <class T> Tensor<T> clamp_backward(const Tensor<T>& x, const Tensor<T>& gy, T lo, T hi);

// ---- operators ------------------------------------------------------------------
template <class T> Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) { return add(a, b); }
template <class T> Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) { return sub(a, b); }
template <class T> Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) { return mul(a, b); }
template <class T> Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) { return div(a, b); }
template <class T> Tensor<T> operator-(const Tensor<T>& a) { return neg(a); }
template <class T> Tensor<T> operator+(const Tensor<T>& a, T s) { return add(a, s); }
template <class T> Tensor<T> operator-(const Tensor<T>& a, T s) { return sub(a, s); }
template <class T> Tensor<T> operator*(const Tensor<T>& a, T s) { return mul(a, s); }
template <class T> Tensor<T> operator/(const Tensor<T>& a, T s) { return div(a, s); }
template <class T> Tensor<T> operator+(T s, const Tensor<T>& a) { return add(a, s); }
template <class T> Tensor<T> operator-(T s, const Tensor<T>& a) { return rsub(s, a); }
template <class T> Tensor<T> operator*(T s, const Tensor<T>& a) { return mul(a, s); }
template <class T> Tensor<T> operator/(T s, const Tensor<T>& a) { return rdiv(s, a); }

}  // namespace xgrad::core
