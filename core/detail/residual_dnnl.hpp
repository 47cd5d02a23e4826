#pragma once
// The float residual stack through oneDNN (.cpp only): core/residual_block.cpp's fast
// path. Each returns false, having written nothing, when it does not run the shape
// (channels not multiples of 16, or no oneDNN kernel); the caller then composes.
#include <array>
#include <vector>

#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// n images of c channels on an h x w plane; k channels inside each block.
struct ResidualShape {
  Index n = 0, c = 0, k = 0, h = 0, w = 0;
};

/// One block's weights (OIHW) and biases.
struct ResidualPointers {
  const float *w3, *b3, *w1, *b1;
};

/// y = relu? (block_B(... block_1(x))) (NCHW); activations[b] gets block b's relu(input)
/// (and activations[B] the final relu(output) when relu_after), hidden[b] its
/// relu(conv3(relu(input)) + b3), all in oneDNN's nChw16c layout.
bool dnnl_residual_stack(const float* x, const std::vector<ResidualPointers>& blocks, bool relu_after, float* y,
                         const std::vector<float*>& activations, const std::vector<float*>& hidden,
                         const ResidualShape& s);
/// gx (NCHW) and each block's gradients (grads[b] = gw3, gb3, gw1, gb1; OIHW), all
/// overwritten, from gy and the forward's activations and hidden; the weight and bias
/// gradients summed over chunks in chunk order.
bool dnnl_residual_stack_backward(const float* gy, const std::vector<ResidualPointers>& blocks,
                                  bool relu_after, const std::vector<const float*>& activations,
                                  const std::vector<const float*>& hidden, float* gx,
                                  const std::vector<std::array<float*, 4>>& grads, const ResidualShape& s);

}  // namespace xgrad::core::detail
