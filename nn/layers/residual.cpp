#include "xgrad/nn/layers/residual.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_linalg.hpp"

namespace xgrad::nn {

ResidualBlock::ResidualBlock(const ResidualBlockOptions& options, core::Generator& gen) : options(options) {
  if (options.channels <= 0 || options.hidden <= 0)
    throw core::ValueError(fmt::format("ResidualBlock: channels and hidden must be positive (got {}, {})",
                                       options.channels, options.hidden));
  conv3 = register_module("conv3", make<Conv2d>(Conv2dOptions{.in = options.channels, .out = options.hidden,
                                                              .kernel = {3, 3}, .padding = {1, 1}}, gen));
  conv1 = register_module("conv1", make<Conv2d>(Conv2dOptions{.in = options.hidden, .out = options.channels,
                                                              .kernel = {1, 1}}, gen));
}

Var ResidualBlock::forward(const Var& x) {
  // One node (autograd::residual_block) rather than five: in float it runs chunk by chunk
  // in oneDNN's blocked layout with each chunk's intermediates kept in cache.
  return autograd::residual_block(x, conv3->weight, conv3->bias, conv1->weight, conv1->bias);
}

std::string ResidualBlock::describe() const {
  return fmt::format("ResidualBlock({}, hidden {})", options.channels, options.hidden);
}

}  // namespace xgrad::nn
