#pragma once
// The shape of one 2-D convolution as core's kernels see it (.cpp only): shared by the
// im2col path (core/conv_im2col.cpp) and the oneDNN path (core/conv_dnnl.cpp).
#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// One image's unfolding: channels c of an (h, w) plane, a (kh, kw) kernel and an
/// (oh, ow) grid of kernel positions. Column matrix: (c*kh*kw, oh*ow), row = (c, i, j).
struct ConvGeometry {
  Index c = 0, h = 0, w = 0, kh = 0, kw = 0, oh = 0, ow = 0;
  Index sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  Index rows() const { return c * kh * kw; }
  Index cols() const { return oh * ow; }
  Index plane() const { return h * w; }
  // A 1x1 kernel with unit stride and no padding unfolds an image into itself (unless
  // conv_transpose2d's output padding makes the plane larger than the grid).
  bool identity() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && oh == h && ow == w; }
};

/// A convolution of n images with o output channels: x (n, g.c, g.h, g.w),
/// w (o, g.c, g.kh, g.kw), y (n, o, g.oh, g.ow).
struct ConvShape {
  Index n = 0, o = 0;
  ConvGeometry g;
};

}  // namespace xgrad::core::detail
