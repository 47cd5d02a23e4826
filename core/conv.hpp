#pragma once
// 2-D convolution (cross-correlation, as in PyTorch) and the kernels its gradients need,
// parallel over the batch. Layout NCHW; T is float or double. Float goes to oneDNN's
// direct kernels where they are faster, double (and the rest) to im2col + GEMM
// (core/conv.cpp says where); 1 and 2 threads give the same bits either way.
#include <array>

#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

struct Conv2dParams {
  std::array<Index, 2> stride{1, 1};
  std::array<Index, 2> padding{0, 0};
  std::array<Index, 2> dilation{1, 1};
};

/// Output height/width of a convolution of (h, w) with a (kh, kw) kernel.
std::array<Index, 2> conv2d_output_size(Index h, Index w, Index kh, Index kw, const Conv2dParams& p);

/// x (N, C, H, W), w (O, C, kh, kw), bias (O) or undefined -> (N, O, H', W').
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias, const Conv2dParams& p);
/// Gradient of conv2d w.r.t. its input, given the output gradient gy (col2im).
template <class T>
Tensor<T> conv2d_backward_input(const Tensor<T>& gy, const Tensor<T>& w, const Shape& x_shape, const Conv2dParams& p);
/// Gradient of conv2d w.r.t. its weight, given gy and the input x.
template <class T>
Tensor<T> conv2d_backward_weight(const Tensor<T>& gy, const Tensor<T>& x, const Shape& w_shape, const Conv2dParams& p);
/// The gradients of a convolution in its input and weight; one not wanted stays undefined.
template <class T>
struct ConvGrads {
  Tensor<T> x, w;
};
/// conv2d's gradients, as conv2d_backward_input and conv2d_backward_weight give them (the
/// same bits); where oneDNN runs both, one pass over the images serves the two.
template <class T>
ConvGrads<T> conv2d_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w, const Conv2dParams& p,
                             bool want_x, bool want_w);
/// Transposed convolution (the adjoint of conv2d): x (N, Cin, H, W), w (Cin, Cout, kh, kw),
/// bias (Cout) or undefined; output_padding adds rows/columns to resolve the size.
template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias, const Conv2dParams& p,
                           std::array<Index, 2> output_padding = {0, 0});
/// conv_transpose2d's gradients (no bias): x's is conv2d(gy, w), w's conv2d_backward_weight
/// with x as the output gradient; where oneDNN runs both, one pass serves the two.
template <class T>
ConvGrads<T> conv_transpose2d_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w,
                                       const Conv2dParams& p, bool want_x, bool want_w);

}  // namespace xgrad::core
