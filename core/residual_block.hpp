#pragma once
// The VQ-VAE's residual block, y = x + conv1x1(relu(conv3x3(relu(x)))) (3x3 with padding 1,
// both with bias), as one kernel pair. Float blocks whose channel counts oneDNN blocks by
// 16 run chunk by chunk in oneDNN's blocked layout, each chunk's intermediates kept in L2
// (the block as five separate ops made ~12 full passes over activations that no longer
// fit in cache); double, and the rest, compose core's own conv2d and relu kernels.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// The forward result and what the backward needs besides x and the weights.
template <class T>
struct ResidualBlockOutput {
  Tensor<T> y;       ///< (N, C, H, W)
  Tensor<T> hidden;  ///< relu(conv3x3(relu(x)) + b3), (N, K, H, W); in oneDNN's blocked layout when `blocked`
  bool blocked = false;
};

/// The block's gradients in x, w3 (K, C, 3, 3), b3 (K), w1 (C, K, 1, 1), b1 (C).
template <class T>
struct ResidualBlockGrads {
  Tensor<T> x, w3, b3, w1, b1;
};

/// x (N, C, H, W) -> x + conv2d(relu(conv2d(relu(x), w3, b3, padding 1)), w1, b1).
template <class T>
ResidualBlockOutput<T> residual_block(const Tensor<T>& x, const Tensor<T>& w3, const Tensor<T>& b3,
                                      const Tensor<T>& w1, const Tensor<T>& b1);
/// All five gradients given the output gradient gy and the forward's `out`.
template <class T>
ResidualBlockGrads<T> residual_block_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w3,
                                              const Tensor<T>& w1, const ResidualBlockOutput<T>& out);

}  // namespace xgrad::core
