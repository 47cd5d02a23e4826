#pragma once
// Differentiable products: matmul, the fused linear layer op, and convolutions.
// Backward passes use BLAS transpose flags (matmulNT / TN), never a materialised transpose.
#include <vector>

#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/linalg.hpp"

namespace xgrad::autograd {

/// torch.matmul: (m,k)@(k,n); batches whose batch dimensions broadcast ((k,n) or (1,k,n)
/// against (B,m,k), (B,1,m,k)@(1,C,k,n)); a 1-D a is a row and a 1-D b a column that the
/// result leaves out ((k)@(k) is 0-d). A broadcast operand's gradient is summed over the
/// batch entries it was broadcast to.
template <class T> Variable<T> matmul(const Variable<T>& a, const Variable<T>& b);
/// x @ w^T + b with x (..., in), w (out, in), b (out) or undefined.
template <class T> Variable<T> linear(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b = {});
/// relu(x @ w^T + b) as one node: the activation is applied in place on the product and
/// its gradient masks the incoming one in place (no tensors beyond the result).
template <class T> Variable<T> linear_relu(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b = {});
/// gelu(x @ w^T + b) as one node: the forward keeps GELU's slope Phi(h) + h phi(h) (one
/// erf and one exp per element) and the backward multiplies the incoming gradient by it in place.
template <class T> Variable<T> linear_gelu(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b = {});
/// residual + linear(x, w, b) as one node (a residual connection's add rides in the
/// linear's bias seeding); residual has the output's shape.
template <class T>
Variable<T> linear_residual(const Variable<T>& residual, const Variable<T>& x, const Variable<T>& w,
                            const Variable<T>& b = {});
/// linear([x, one_hot(labels, classes)], w, b) without building the concatenation, for
/// w (out, in + classes), labels of x's leading shape: the GEMM runs on x alone and each
/// row adds its label's column of w; gradients to x, w (every column) and b.
template <class T>
Variable<T> linear_one_hot(const Variable<T>& x, const core::IndexTensor& labels, const Variable<T>& w,
                           const Variable<T>& b = {});
/// relu(linear_one_hot(x, labels, w, b)) as one node, as linear_relu.
template <class T>
Variable<T> linear_one_hot_relu(const Variable<T>& x, const core::IndexTensor& labels, const Variable<T>& w,
                                const Variable<T>& b = {});
/// NCHW cross-correlation; b (O) or undefined.
template <class T>
Variable<T> conv2d(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b, const core::Conv2dParams& p);
/// w (Cin, Cout, kh, kw); b (Cout) or undefined.
template <class T>
Variable<T> conv_transpose2d(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b,
                             const core::Conv2dParams& p, std::array<Index, 2> output_padding = {0, 0});
/// The VQ-VAE's residual blocks x + conv2d(relu(conv2d(relu(x), w3, b3, padding 1)), w1, b1) in
/// turn, then relu when `relu_after`, as one node (core::residual_stack). `params` holds
/// each block's w3 (K, C, 3, 3), b3 (K), w1 (C, K, 1, 1), b1 (C), block after block. `stem`:
/// none, or the weight and bias of a conv2d(x, w, b, stem_params) run before the blocks.
/// `channels_last`: the output is rows of channels (N * H * W, C), as permute(y, {0, 2, 3, 1})
/// reshaped to rows;
/// `rows_in` (with a stem only): x is (N, H, W, C) too, as permute(x, {0, 2, 3, 1}).
/// `head` (with a stem, NCHW x only): none, or the weight and bias of a conv2d(x, w, b,
/// head_params) and relu run before the stem (in float, fused into the stem's blocked pass).
/// `tail` (with relu_after, not channels_last): none, or the weight and bias of a
/// conv_transpose2d(y, w, b, tail_params, tail_output_padding) and relu run after the stack
/// (in float, fused into its blocked pass); the output is then the tail's.
/// `last` (with a tail): none, or the weight and bias of a conv_transpose2d(y, w, b,
/// last_params, last_output_padding) run after the tail (in float, its backward fused into
/// the tail's); the output is then its.
template <class T>
Variable<T> residual_stack(const Variable<T>& x, const std::vector<Variable<T>>& params, bool relu_after,
                           const std::vector<Variable<T>>& stem = {}, const core::Conv2dParams& stem_params = {},
                           bool channels_last = false, bool rows_in = false, const std::vector<Variable<T>>& head = {},
                           const core::Conv2dParams& head_params = {}, const std::vector<Variable<T>>& tail = {},
                           const core::Conv2dParams& tail_params = {},
                           std::array<Index, 2> tail_output_padding = {0, 0}, const std::vector<Variable<T>>& last = {},
                           const core::Conv2dParams& last_params = {},
                           std::array<Index, 2> last_output_padding = {0, 0});
/// One block: residual_stack(x, {w3, b3, w1, b1}, false).
template <class T>
Variable<T> residual_block(const Variable<T>& x, const Variable<T>& w3, const Variable<T>& b3, const Variable<T>& w1,
                           const Variable<T>& b1);

}  // namespace xgrad::autograd
