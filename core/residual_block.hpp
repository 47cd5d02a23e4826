#pragma once
// The VQ-VAE's residual blocks, x + conv1x1(relu(conv3x3(relu(x)))) (3x3 with padding 1, both
// with bias), a stack of them, and optionally the relu after the stack, as one kernel pair.
// Float stacks whose channel counts oneDNN blocks by 16 run chunk by chunk in oneDNN's
// blocked layout: a chunk enters that layout once and leaves it once in each direction,
// its intermediates are read back while still in cache, and the activations kept for the backward stay blocked
// (the blocks as separate ops made ~12 full passes over activations per block, and each
// block reordered its input and output again). Double, and the rest, compose core's own
// conv2d and relu kernels.
#include <array>
#include <vector>

#include "xgrad/core/conv.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// One block's weights: w3 (K, C, 3, 3), b3 (K), w1 (C, K, 1, 1), b1 (C).
template <class T>
struct ResidualWeights {
  const Tensor<T>* w3;
  const Tensor<T>* b3;
  const Tensor<T>* w1;
  const Tensor<T>* b1;
};

/// An optional convolution before the blocks (the stack's stem): w (C, Cs, kh, kw), b (C),
/// both set or neither. Fused with the blocks, its output never leaves the blocked layout.
template <class T>
struct ResidualStem {
  const Tensor<T>* w = nullptr;
  const Tensor<T>* b = nullptr;
  Conv2dParams p{};
  /// x is (N, H, W, Cs), rows of channels, not NCHW: oneDNN reads it so into its layout
  /// (the VQ-VAE's decoder takes the quantizer's rows without a permute each way).
  bool rows_in = false;
  /// An optional convolution + relu before the stem (the VQ-VAE encoder's first layer,
  /// 1 -> 32 channels): x -> relu(conv2d(x, head_w, head_b, head_p)) -> the stem. Fused,
  /// its output is written blocked and never leaves that layout (4 reorders a chunk of 32
  /// images were ~4 % of the VQ-VAE step); its input, NCHW, may have any channel count.
  const Tensor<T>* head_w = nullptr;
  const Tensor<T>* head_b = nullptr;
  Conv2dParams head_p{};
  /// An optional transposed convolution + relu after the stack (the VQ-VAE decoder's
  /// 64 -> 32, 4x4 / 2): y -> relu(conv_transpose2d(y, tail_w, tail_b, tail_p, tail_output_padding)).
  /// It needs relu_after and NCHW output. Fused, it reads the stack's blocked output and
  /// writes its own blocked output, so only that output leaves the layout (the 64x7x7 round
  /// trip and half the 32x14x14 reorders, ~1.2 ms a VQ-VAE step, go).
  const Tensor<T>* tail_w = nullptr;  ///< (C, C_tail, kh, kw), as conv_transpose2d's
  const Tensor<T>* tail_b = nullptr;  ///< (C_tail)
  Conv2dParams tail_p{};
  std::array<Index, 2> tail_output_padding{0, 0};
  /// An optional transposed convolution after the tail, without relu (the VQ-VAE decoder's
  /// last layer, 32 -> 1, 4x4 / 2): y -> conv_transpose2d(tail(y), last_w, last_b, last_p,
  /// last_output_padding). Fused, its backward reads the tail's blocked output and writes the
  /// tail's blocked gradient (oneDNN's first-layer kernels take the plain 1-channel gradient),
  /// so the tail's NCHW output is not kept (12 of 16 reorders a VQ-VAE step go).
  const Tensor<T>* last_w = nullptr;  ///< (C_tail, C_last, kh, kw), as conv_transpose2d's
  const Tensor<T>* last_b = nullptr;  ///< (C_last)
  Conv2dParams last_p{};
  std::array<Index, 2> last_output_padding{0, 0};
  bool defined() const { return w != nullptr; }
  bool has_head() const { return head_w != nullptr; }
  bool has_tail() const { return tail_w != nullptr; }
  bool has_last() const { return last_w != nullptr; }
};

/// The forward result and what the backward needs besides x and the weights.
template <class T>
struct ResidualStackOutput {
  Tensor<T> y;                     ///< (N, C, H, W), or (N, H, W, C) when channels_last
  /// Each block's relu(input), then relu(the last output) when relu_after: relu's masks
  /// and conv3x3's inputs.
  std::vector<Tensor<T>> activations;
  std::vector<Tensor<T>> hidden;  ///< each block's relu(conv3x3(relu(input)) + b3), (N, K, H, W)
  Tensor<T> stem_input;           ///< a fused stem's input, blocked: its weight gradient's
  bool blocked = false;           ///< activations and hidden are in oneDNN's nChw16c layout
  bool stem_fused = false;        ///< the stem ran in the blocked pass (else by conv2d, before it)
  bool channels_last = false;     ///< y, and so gy, are NHWC
  bool head_fused = false;        ///< the head ran in the blocked pass (its relu'd output is stem_input)
  Tensor<T> head_out;             ///< the head's relu'd output (NCHW) when it ran apart
  bool tail_fused = false;        ///< the tail ran in the blocked pass
  Tensor<T> tail_out;             ///< the tail's relu'd output: blocked when fused, else NCHW
  Tensor<T> tail_in;              ///< the stack's output, the tail's input, when it ran apart
  bool last_fused = false;        ///< the last deconv's backward runs in the blocked pass
  Tensor<T> last_in;              ///< the tail's output, the last deconv's input, when it ran apart
};

/// The gradients in x, in each block's w3, b3, w1, b1, and in the stem's w, b (if any).
template <class T>
struct ResidualStackGrads {
  Tensor<T> x;
  std::vector<std::array<Tensor<T>, 4>> blocks;
  std::array<Tensor<T>, 2> stem;
  std::array<Tensor<T>, 2> head;  ///< the head's w, b (if any)
  std::array<Tensor<T>, 2> tail;  ///< the tail's w, b (if any)
  std::array<Tensor<T>, 2> last;  ///< the last deconv's w, b (if any)
};

/// x (N, C, H, W), or the stem's input (N, Cs, Hs, Ws) when there is a stem (the head's
/// when there is a head), through the head, the stem, each block in turn, then relu when `relu_after`, then
/// the tail (if any: y is then its output), then the last deconv (if any: y is then its output).
/// `channels_last`: y is NHWC, rows of channels (oneDNN writes it so from its blocked layout for the same cost as NCHW,
/// which spares a caller that wants rows, as the VQ-VAE's quantizer, a permute each way).
template <class T>
ResidualStackOutput<T> residual_stack(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& blocks,
                                      bool relu_after, const ResidualStem<T>& stem = {}, bool channels_last = false);
/// All gradients given the output gradient gy (in y's layout) and the forward's `out`.
/// `x_grad` false: g.x may stay undefined (a head's input gradient, which images never need).
template <class T>
ResidualStackGrads<T> residual_stack_backward(const Tensor<T>& gy, const Tensor<T>& x,
                                              const std::vector<ResidualWeights<T>>& blocks, bool relu_after,
                                              const ResidualStackOutput<T>& out, const ResidualStem<T>& stem = {},
                                              bool x_grad = true);

}  // namespace xgrad::core
