#pragma once
// A CodePrior over grids of discrete codes (a VQ-VAE's latents): a gated PixelCNN
// (van den Oord et al. 2016) with masked convolutions, one stack: a code sees the codes of
// the rows above only within the masked kernels' reach (three columns to its right).
#include <memory>
#include <vector>

#include "xgrad/models/common/code_prior.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/masked_conv.hpp"

namespace xgrad::models {

using nn::Index;
using nn::Var;

struct PixelCnnPriorOptions {
  Index codes = 128;   ///< K, values a code takes
  Index height = 7;
  Index width = 7;
  Index channels = 64;  ///< features per position
  Index layers = 5;     ///< gated residual layers (masked 3x3, type B) after the first 7x7 type A
};

class PixelCnnPrior : public CodePrior {
 public:
  PixelCnnPrior(const PixelCnnPriorOptions& options, core::Generator& gen);
  /// grids (B, H * W) codes in [0, K) -> (B, K, H, W) logits of each code given those before it.
  Var logits(const core::IndexTensor& grids);
  Var neg_log_prob(const core::IndexTensor& grids) override;
  /// One pass of the network over the whole grid per position.
  core::IndexTensor sample(Index n, core::Generator& gen, double temperature = 1.0) override;
  std::string kind() const override { return "pixelcnn-prior"; }
  std::string describe() const override;

  const PixelCnnPriorOptions options;

 private:
  std::shared_ptr<nn::Embedding> embed_;
  std::shared_ptr<nn::MaskedConv2d> first_;                  ///< 7x7 type A, to 2C
  std::vector<std::shared_ptr<nn::MaskedConv2d>> gated_;     ///< 3x3 type B, to 2C
  std::vector<std::shared_ptr<nn::Conv2d>> mix_;             ///< 1x1, C to C after each gate
  std::shared_ptr<nn::Conv2d> hidden_, out_;                 ///< 1x1 heads to C and to K
};

}  // namespace xgrad::models
