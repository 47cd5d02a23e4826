#pragma once
// Loss kernels: the per-element terms the fused autograd losses evaluate on every
// batch, one SIMD pass each (value, and gradient given the upstream gradient), and
// cross_entropy's gradient by rows. Kept out of elementwise.hpp so that the few files calling
// them are the only ones rebuilt when they change. T is float or double.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// The binary cross-entropy of logits z against targets t, element-wise:
/// loss = max(z, 0) - z t + log1p(exp(-|z|)), stable for any z, and its
/// derivative dz = sigmoid(z) - t, both from one exp per element. The autograd op
/// keeps dz for its backward instead of a copy of the targets.
template <class T>
struct BceWithLogits {
  Tensor<T> loss, dz;
};
/// z and t must have the same shape.
template <class T> BceWithLogits<T> bce_with_logits(const Tensor<T>& z, const Tensor<T>& t);

/// sum_i ||a_i - b_i||^2 / N for a, b (N, D): the VQ-VAE's codebook and commitment
/// losses. Blocks of 1024 elements are summed in SIMD lanes, then the blocks in order in
/// double, so the value does not depend on the thread count.
template <class T> double mean_row_squared_distance(const Tensor<T>& a, const Tensor<T>& b);
/// ga = ca (a - b) and gb = cb (b - a), in one pass; either output may be null.
template <class T>
void squared_distance_grads(const Tensor<T>& a, const Tensor<T>& b, T ca, T cb, Tensor<T>* ga, Tensor<T>* gb);

/// cross_entropy's gradient g = gy_row (softmax(z_row) - onehot(label)) for logits z of rows
/// of C (any leading shape, one label a row), from the forward's row log-sum-exps lse; rows
/// in parallel, the same bits on any thread count. Labels are not checked (the forward did).
template <class T>
Tensor<T> cross_entropy_backward(const Tensor<T>& z, const IndexTensor& labels, const Tensor<T>& lse, const Tensor<T>& gy);

}  // namespace xgrad::core
