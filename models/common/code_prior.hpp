#pragma once
// What a prior over grids of discrete codes (a VQ-VAE's latents) is, whatever its network:
// p(c) = prod_i p(c_i | c_<i) in raster order, trained as any Trainable on batches whose
// `labels` hold code grids (B, H * W), with a loss in nats per code. The PixelCNN
// (pixelcnn_prior.hpp) and the causal Transformer (models/transformer_code_prior.hpp) are two.
#include <string>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::models {

class CodePrior : public nn::Trainable {
 public:
  /// (B) -log p(grid) in nats of grids (B, H * W) with codes in [0, K).
  virtual nn::Var neg_log_prob(const core::IndexTensor& grids) = 0;
  /// n grids (n, H * W) drawn position by position, each code from softmax(logits / temperature):
  /// 1 is the prior itself (ancestral sampling), below 1 sharper. ValueError unless temperature > 0.
  virtual core::IndexTensor sample(nn::Index n, core::Generator& gen, double temperature = 1.0) = 0;
  /// The tag of its weights file ("pixelcnn-prior", "transformer-prior").
  virtual std::string kind() const = 0;

  /// Mean over the grids' codes of -log2 p(c_i | c_<i), in chunks, without recording a graph.
  double bits_per_code(const core::IndexTensor& grids);
  /// loss (nats per code) and bits_per_code.
  nn::StepTerms training_step(const nn::Batch& batch, nn::StepContext& ctx) override;

  /// ValueError unless temperature > 0 and finite (what sample accepts).
  static void check_temperature(double temperature, const std::string& who);
};

}  // namespace xgrad::models
