#pragma once
// The residual block of the VQ-VAE paper (van den Oord et al. 2017, section 4.1):
// x + conv1x1(relu(conv3x3(relu(x)))), channels kept, the 3x3 narrowed to `hidden`.
#include "xgrad/nn/layers/conv.hpp"

namespace xgrad::nn {

struct ResidualBlockOptions {
  Index channels = 0;
  Index hidden = 0;  ///< channels of the 3x3 convolution
};

class ResidualBlock : public Layer {
 public:
  ResidualBlock(const ResidualBlockOptions& options, core::Generator& gen);
  /// x (N, channels, H, W) -> same shape
  Var forward(const Var& x) override;
  std::string describe() const override;

  const ResidualBlockOptions options;
  std::shared_ptr<Conv2d> conv3;  ///< 3x3, padding 1
  std::shared_ptr<Conv2d> conv1;  ///< 1x1
};

}  // namespace xgrad::nn
