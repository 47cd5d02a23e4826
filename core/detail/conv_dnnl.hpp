#pragma once
// Float convolutions through oneDNN's direct (JIT) kernels (.cpp only). Each returns
// false, having written nothing, when oneDNN has no kernel for the shape; the caller
// then takes the im2col path. Images run in chunks fixed by the shape, one chunk per
// task on one OpenMP thread each, so results do not depend on the thread count.
#include <cstddef>
#include <memory>

#include "xgrad/core/detail/conv_geometry.hpp"

namespace xgrad::core::detail {

/// y = conv(x, w) + bias (bias may be null).
bool dnnl_conv2d(const float* x, const float* w, const float* bias, float* y, const ConvShape& s);
/// gx = the adjoint of conv in x applied to gy (overwrites gx).
bool dnnl_conv2d_backward_input(const float* gy, const float* w, float* gx, const ConvShape& s);
/// gw = sum over images of gy_n (x) x_n (overwrites gw).
bool dnnl_conv2d_backward_weight(const float* gy, const float* x, float* gw, const ConvShape& s);
/// Both: gx as dnnl_conv2d_backward_input (no bias) and gw as dnnl_conv2d_backward_weight,
/// the same bits, in one pass over the chunks that reorders gy once for both kernels.
bool dnnl_conv2d_backward(const float* gy, const float* x, const float* w, float* gx, float* gw, const ConvShape& s);
/// y = conv(x, w) (no bias) as dnnl_conv2d, and gw from (gy, x) as dnnl_conv2d_backward_weight,
/// in one pass that reorders x once for both (conv_transpose2d's backward).
bool dnnl_conv2d_and_weight_grad(const float* x, const float* w, float* y, const float* gy, float* gw,
                                 const ConvShape& s);

// Where oneDNN pays: conv.cpp's choice of path per pass, here so that a step's floor
// (bench/models/floor.hpp) makes the same one. Measured against im2col + GEMM on the
// models' layers (bench/results/conv-kernels-2026-12-04.md, 1 thread, loaded): 1.7-5.2x
// on 3x3 and 4x4 kernels over 32-64 channels, 1.3-1.7x on every weight gradient. Not for
// a 1x1 kernel's forward pass or input gradient, where im2col is a plain GEMM (oneDNN
// 0.5-0.8x), nor for the input gradient into a single channel (0.18x). A pass that pays
// still takes im2col when oneDNN has no kernel for the shape.

/// The forward pass y = conv(x, w).
inline bool dnnl_conv_forward_pays(const ConvShape& s) { return s.n > 0 && !s.g.identity(); }
/// The input gradient (conv_transpose2d's forward pass too).
inline bool dnnl_conv_input_grad_pays(const ConvShape& s) { return dnnl_conv_forward_pays(s) && s.g.c >= 8; }
/// The weight gradient.
inline bool dnnl_conv_weight_grad_pays(const ConvShape& s) { return s.n > 0; }

/// How many (op, bias, shape) plans the functions above keep (those whose shape oneDNN
/// has no kernel for included), and the most they keep: the least recently used go first.
std::size_t dnnl_conv_plans_cached();
std::size_t dnnl_conv_plans_max();

enum class ConvPass { forward, input_grad, weight_grad };

/// The predicate above for `pass`.
inline bool dnnl_conv_pays(ConvPass pass, const ConvShape& s) {
  return pass == ConvPass::forward      ? dnnl_conv_forward_pays(s)
         : pass == ConvPass::input_grad ? dnnl_conv_input_grad_pays(s)
                                        : dnnl_conv_weight_grad_pays(s);
}

/// One pass's oneDNN kernels alone, chunk by chunk in parallel as the functions above run
/// them, on operands allocated once in the kernels' own layouts (no reorders, no plan
/// look-up): what a step's floor times.
class DnnlConvKernels {
 public:
  /// Null when oneDNN has no kernel for the shape. `bias`: the forward pass adds one.
  static std::unique_ptr<DnnlConvKernels> make(ConvPass pass, const ConvShape& s, bool bias);
  void run();
  ~DnnlConvKernels();

  struct Impl;
  explicit DnnlConvKernels(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xgrad::core::detail
