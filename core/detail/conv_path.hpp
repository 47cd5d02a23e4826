#pragma once
// What core's convolutions run (.cpp only, and a step's floor in bench/models/floor.cpp):
// the convolution behind each public op, and how many passes took each path, so that a
// floor can time the step's own kernels and a test can check that it does.
#include <array>
#include <cstdint>

#include "xgrad/core/conv.hpp"
#include "xgrad/core/detail/conv_dnnl.hpp"

namespace xgrad::core::detail {

/// The convolution conv2d(x, w, p) and its two gradients run (shapes checked as conv2d does).
ConvShape conv2d_shape(const Shape& x, const Shape& w, const Conv2dParams& p);
/// The convolution whose input gradient conv_transpose2d(x, w, p, output_padding) runs
/// forward, and whose forward pass and weight gradient its backward pass runs.
ConvShape conv_transpose2d_shape(const Shape& x, const Shape& w, const Conv2dParams& p,
                                 std::array<Index, 2> output_padding);

/// Float convolution passes run so far in this program, per ConvPass, on each path.
struct ConvPathCounts {
  std::array<std::uint64_t, 3> dnnl{}, im2col{};
};
ConvPathCounts conv_path_counts();
/// Counts n float passes run on oneDNN outside conv.cpp (the fused residual block's).
void count_dnnl_passes(ConvPass pass, std::uint64_t n);

}  // namespace xgrad::core::detail
