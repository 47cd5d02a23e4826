#pragma once
// Float convolutions through oneDNN's direct (JIT) kernels (.cpp only). Each returns
// false, having written nothing, when oneDNN has no kernel for the shape; the caller
// then takes the im2col path. Images run in chunks fixed by the shape, one chunk per
// task on one OpenMP thread each, so results do not depend on the thread count.
#include "xgrad/core/detail/conv_geometry.hpp"

namespace xgrad::core::detail {

/// y = conv(x, w) + bias (bias may be null).
bool dnnl_conv2d(const float* x, const float* w, const float* bias, float* y, const ConvShape& s);
/// gx = the adjoint of conv in x applied to gy (overwrites gx).
bool dnnl_conv2d_backward_input(const float* gy, const float* w, float* gx, const ConvShape& s);
/// gw = sum over images of gy_n (x) x_n (overwrites gw).
bool dnnl_conv2d_backward_weight(const float* gy, const float* x, float* gw, const ConvShape& s);

}  // namespace xgrad::core::detail
