#pragma once
// The float residual stack through oneDNN (.cpp only): core/residual_block.cpp's fast
// path. Each returns false, having written nothing, when it does not run the shape
// (channels not multiples of 16, or no oneDNN kernel); the caller then composes.
#include <array>
#include <cstdint>
#include <vector>

#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// The stem's input (c channels on an h x w plane, c = 0: no stem) and its kernel.
struct ResidualStemShape {
  Index c = 0, h = 0, w = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
  bool rows = false;  ///< the input (and its gradient) is NHWC
};

/// The head's input (c channels on an h x w plane, NCHW; c = 0: no head) and its kernel;
/// its output, relu'd, is the stem's input.
struct ResidualHeadShape {
  Index c = 0, h = 0, w = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
};

/// The tail's output (c channels on an h x w plane, NCHW; c = 0: no tail), a transposed
/// convolution of the stack's relu'd output: in oneDNN's terms the input gradient of the
/// convolution from it (kh x kw, stride, padding) to the stack's output grid.
struct ResidualTailShape {
  Index c = 0, h = 0, w = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
};

/// The last deconvolution's output after the tail (c channels on an h x w plane, NCHW, any c;
/// c = 0: none): in oneDNN's terms a convolution from it to the tail's output grid, whose
/// forward (first-layer kernel, plain source) is the input gradient and whose weight
/// gradient is the deconvolution's.
struct ResidualLastShape {
  Index c = 0, h = 0, w = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
};

/// n images of c channels on an h x w plane; k channels inside each block.
struct ResidualShape {
  Index n = 0, c = 0, k = 0, h = 0, w = 0;
  ResidualStemShape stem{};
  ResidualHeadShape head{};  ///< only with a stem
  ResidualTailShape tail{};  ///< only with relu_after and NCHW y
  ResidualLastShape last{};  ///< only with a tail; the backward's gy is then its output's
  bool channels_last = false;  ///< y and gy are (N, H, W, C), not NCHW
};

/// One block's weights (OIHW) and biases.
struct ResidualPointers {
  const float *w3, *b3, *w1, *b1;
};

/// The stem's weight (OIHW) and bias, when s.stem.c > 0.
struct StemPointers {
  const float *w = nullptr, *b = nullptr;
  /// The stem's input in oneDNN's nChw16c layout: the forward writes it, the backward reads
  /// it for the weight gradient (instead of reordering x again: ~80 us a chunk of 32 at
  /// 32x14x14).
  float* x_blocked = nullptr;
  /// The head's weight (OIHW) and bias, when s.head.c > 0; x_blocked then holds relu(head(x)).
  const float *head_w = nullptr, *head_b = nullptr;
  /// The tail's weight ((C, C_tail, kh, kw), conv_transpose2d's) and bias, when s.tail.c > 0,
  /// and its relu'd output in the nChw16c layout: the forward writes it, the backward masks by it.
  const float *tail_w = nullptr, *tail_b = nullptr;
  float* tail_out = nullptr;
  /// The last deconvolution's weight ((C_tail, C_last, kh, kw)), when s.last.c > 0 (backward only).
  const float* last_w = nullptr;
};

/// y = tail?(relu? (block_B(... block_1(stem?(x))))) (NCHW, or NHWC when s.channels_last; x NHWC
/// when s.stem.rows; y the tail's output when there is one); activations[b] gets block b's relu(input)
/// (and activations[B] the final relu(output) when relu_after), hidden[b] its
/// relu(conv3(relu(input)) + b3), all in oneDNN's nChw16c layout.
bool dnnl_residual_stack(const float* x, const StemPointers& stem, const std::vector<ResidualPointers>& blocks,
                         bool relu_after, float* y, const std::vector<float*>& activations,
                         const std::vector<float*>& hidden, const ResidualShape& s);
/// gx (NCHW; with a head, the gradient of the head's convolution output, or skipped when
/// null), each block's gradients (grads[b] = gw3, gb3, gw1, gb1; OIHW) and the stem's
/// (stem_grads = gw, gb, then the head's gw, gb, then the tail's, then the last's), all
/// overwritten, from gy (in y's layout; the last deconvolution's output gradient when
/// s.last.c > 0), the forward's activations and hidden and the stem's input x; the weight
/// and bias gradients summed over chunks in chunk order.
bool dnnl_residual_stack_backward(const float* gy, const float* x, const StemPointers& stem,
                                  const std::vector<ResidualPointers>& blocks, bool relu_after,
                                  const std::vector<const float*>& activations, const std::vector<const float*>& hidden,
                                  float* gx, const std::vector<std::array<float*, 4>>& grads,
                                  const std::array<float*, 8>& stem_grads, const ResidualShape& s);

/// Backward passes so far (in this program) that reordered each chunk's weight gradients to
/// OIHW before the sum: those whose last chunk got other weight-gradient layouts from oneDNN
/// than the full chunks, or all of them while forced.
std::uint64_t residual_oihw_sum_count();
/// Testing only: while on, every backward pass takes that per-chunk OIHW path. No shape has
/// been seen to need it (oneDNN 2.6.3 on AVX-512 picks one layout per convolution whatever
/// the chunk's batch), so without this it would go untested.
void force_residual_oihw_sum(bool on);

}  // namespace xgrad::core::detail
