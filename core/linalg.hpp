#pragma once
// Matrix products through BLAS. Transposes are passed to BLAS as flags, never
// materialised. T is float or double.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

enum class Trans { No, Yes };

/// op(a) @ op(b) as torch.matmul: (m,k)@(k,n); batches (..., m, k)@(..., k, n) whose
/// batch dimensions broadcast ((B,m,k)@(k,n) applies the matrix to every entry,
/// (B,1,m,k)@(1,C,k,n) gives (B,C,m,n)); a 1-D a is a row and a 1-D b a column, and
/// that axis is left out of the result ((k)@(k) is 0-d). 1-D operands take no Trans.
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, Trans ta = Trans::No, Trans tb = Trans::No);
/// c = alpha * op(a) @ op(b) + beta * c, into an existing output of the product's shape,
/// or of a shape the product's broadcasts from (fewer or length-1 batch dimensions):
/// then the entries that meet in one output matrix are summed into it (the gradient of
/// an operand that matmul broadcast).
template <class T>
void gemm_(Tensor<T>& c, const Tensor<T>& a, const Tensor<T>& b, Trans ta, Trans tb, T alpha = T(1), T beta = T(0));
/// x @ w^T + bias, with x (..., in), w (out, in) and bias (out) or undefined.
/// The bias is written into the output before the GEMM accumulates onto it.
template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias);
/// residual + x @ w^T + bias, residual of the output's shape: residual + bias is written
/// into the output before the GEMM accumulates onto it (a residual connection's add
/// without a pass of its own).
template <class T>
Tensor<T> linear_onto(const Tensor<T>& residual, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias);

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
/// gy *= slope, then linear_grad_bias_(gb, gy, beta), in one pass over gy (the bias
/// gradient behind an activation whose slope was saved): the same bits as the two calls.
template <class T>
void mul_and_grad_bias_(Tensor<T>& gy, const Tensor<T>& slope, Tensor<T>& gb, T beta);

// A Linear over [x, one_hot(labels, classes)] without building the concatenation, for
// x (..., in), labels of x's leading shape in [0, classes) and w (out, in + classes):
// the GEMM reads w's first `in` columns in place (its leading dimension steps over the
// rest) and each row adds its label's column of w, as the one-hot's single 1 would.
/// x @ w[:, :in]^T + w[:, in + label]^T + bias (bias (out) or undefined).
template <class T>
Tensor<T> linear_one_hot(const Tensor<T>& x, const IndexTensor& labels, const Tensor<T>& w, const Tensor<T>& bias);
/// gx = beta * gx + gy @ w[:, :in]
template <class T>
void linear_one_hot_grad_input_(Tensor<T>& gx, const Tensor<T>& gy, const Tensor<T>& w, T beta);
/// gw = beta * gw + gy^T @ [x, one_hot(labels)]: the GEMM into the first `in` columns,
/// and each label's column gets the sum (in row order) of the rows of gy carrying it.
template <class T>
void linear_one_hot_grad_weight_(Tensor<T>& gw, const Tensor<T>& gy, const Tensor<T>& x, const IndexTensor& labels,
                                 T beta);

}  // namespace xgrad::core
