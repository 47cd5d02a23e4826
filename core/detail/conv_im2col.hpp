#pragma once
// 2-D convolution by im2col + GEMM, parallel over the batch (.cpp only): the path of
// every double convolution and of the float ones oneDNN has no kernel for.
#include "xgrad/core/detail/conv_geometry.hpp"

namespace xgrad::core::detail {

/// y = conv(x, w) + bias (bias may be null).
template <class T>
void im2col_conv2d(const T* x, const T* w, const T* bias, T* y, const ConvShape& s);
/// gx += the adjoint of conv in x applied to gy (col2im of w^T gy), image by image.
template <class T>
void im2col_conv2d_backward_input(const T* gy, const T* w, T* gx, const ConvShape& s);
/// gw += sum over images of gy_n cols_n^T.
template <class T>
void im2col_conv2d_backward_weight(const T* gy, const T* x, T* gw, const ConvShape& s);

}  // namespace xgrad::core::detail
