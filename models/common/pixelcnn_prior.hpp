#pragma once
// An autoregressive prior over grids of discrete codes (a VQ-VAE's latents): a
// gated PixelCNN (van den Oord et al. 2016) with masked convolutions, so
// p(c) = prod_i p(c_i | c_<i) in raster order. It trains as any Trainable, on
// batches whose `labels` hold code grids (B, H * W); its loss is nats per code.
#include <memory>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/masked_conv.hpp"
#include "xgrad/nn/train/trainer.hpp"

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

class PixelCnnPrior : public nn::Trainable {
 public:
  PixelCnnPrior(const PixelCnnPriorOptions& options, core::Generator& gen);
  /// grids (B, H * W) codes in [0, K) -> (B, K, H, W) logits of each code given those before it.
  Var logits(const core::IndexTensor& grids);
  /// (B) -log p(grid) in nats.
  Var neg_log_prob(const core::IndexTensor& grids);
  /// Mean over the grids' codes of -log2 p(c_i | c_<i), without recording a graph.
  double bits_per_code(const core::IndexTensor& grids);
  /// n grids (n, H * W) drawn position by position, each code from softmax(logits / temperature):
  /// 1 is the prior itself (ancestral sampling), below 1 sharper (towards the most likely code).
  /// ValueError unless temperature > 0.
  core::IndexTensor sample(Index n, core::Generator& gen, double temperature = 1.0);
  /// loss (nats per code) and bits_per_code.
  nn::StepTerms training_step(const nn::Batch& batch, nn::StepContext& ctx) override;
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
