#pragma once
// Matrix products through BLAS. Transposes are passed to BLAS as flags, never
// materialised. T is float or double.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

enum class Trans { No, Yes };

/// op(a) @ op(b) for 2-D (m,k)@(k,n), or batched 3-D (B,m,k)@(B,k,n); a 3-D by
/// 2-D product applies the matrix to every batch entry.
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, Trans ta = Trans::No, Trans tb = Trans::No);
/// c = alpha * op(a) @ op(b) + beta * c, into an existing output (2-D or batched 3-D).
template <class T>
void gemm_(Tensor<T>& c, const Tensor<T>& a, const Tensor<T>& b, Trans ta, Trans tb, T alpha = T(1), T beta = T(0));
/// x @ w^T + bias, with x (..., in), w (out, in) and bias (out) or undefined.
/// The bias is written into the output before the GEMM accumulates onto it.
template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias);

// The gradients of y = x @ w^T + b, for x (..., in), w (out, in) and gy (..., out),
// with the leading axes read as rows in place (no reshaped copies) and the transposes
// as BLAS flags. Each writes its result (beta = 0) or adds it (beta = 1) into an
// output of the input's shape, so a weight shared by many steps gathers its gradient
// in one buffer instead of a new tensor plus an addition per use.
/// gx = beta * gx + gy @ w
template <class T>
void linear_grad_input_(Tensor<T>& gx, const Tensor<T>& gy, const Tensor<T>& w, T beta);
/// gw = beta * gw + gy^T @ x (rows summed)
template <class T>
void linear_grad_weight_(Tensor<T>& gw, const Tensor<T>& gy, const Tensor<T>& x, T beta);
/// gb = beta * gb + the sum of gy's rows, in row order (the same sum on any thread count).
template <class T>
void linear_grad_bias_(Tensor<T>& gb, const Tensor<T>& gy, T beta);

}  // namespace xgrad::core
