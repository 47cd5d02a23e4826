#pragma once
// The float residual block through oneDNN (.cpp only): core/residual_block.cpp's fast
// path. Each returns false, having written nothing, when it does not run the shape
// (channels not multiples of 16, or no oneDNN kernel); the caller then composes.
#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// n images of c channels on an h x w plane; k channels inside the block.
struct ResidualShape {
  Index n = 0, c = 0, k = 0, h = 0, w = 0;
};

/// y = x + conv1(relu(conv3(relu(x)) + b3)) + b1 (NCHW); hidden gets relu(conv3(relu(x)) + b3)
/// in oneDNN's nChw16c layout (n * k * h * w floats).
bool dnnl_residual_block(const float* x, const float* w3, const float* b3, const float* w1, const float* b1,
                         float* y, float* hidden, const ResidualShape& s);
/// The gradients (gx NCHW, gw3/gw1 OIHW, gb3/gb1), all overwritten, from gy, x and the
/// forward's hidden; the weight and bias gradients summed over chunks in chunk order.
bool dnnl_residual_block_backward(const float* gy, const float* x, const float* w3, const float* w1,
                                  const float* hidden, float* gx, float* gw3, float* gb3, float* gw1, float* gb1,
                                  const ResidualShape& s);

}  // namespace xgrad::core::detail
