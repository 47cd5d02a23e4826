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

}  // namespace xgrad::core
