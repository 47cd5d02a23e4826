#pragma once
// VQ-VAE (van den Oord et al. 2017) on 1x28x28 images: a conv encoder with residual
// blocks maps an image to a 7x7 grid of D-vectors, each replaced by its nearest of
// K codebook entries (nn::VectorQuantizer, straight-through gradient); the mirror
// decoder gives Bernoulli logits (BernoulliHead, the VAE's likelihood, so the
// reconstruction term is the same BCE per image). The latent is discrete: no KL, no
// ELBO; sampling draws code grids from a CodePrior (a PixelCNN or a causal Transformer,
// options.prior) trained afterwards on the training set's grids and attached with set_prior.
//   encoder: conv 4x4/2 (1 -> h/2) ReLU, conv 4x4/2 (h/2 -> h), blocks x2, ReLU, conv 1x1 (h -> D)
//   decoder: conv 3x3 (D -> h), blocks x2, ReLU, deconv 4x4/2 (h -> h/2) ReLU, deconv 4x4/2 (h/2 -> 1)
#include <memory>
#include <string>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/pixelcnn_prior.hpp"
#include "xgrad/nn/layers/layer.hpp"
#include "xgrad/nn/layers/sequential.hpp"
#include "xgrad/nn/layers/vector_quantizer.hpp"

namespace xgrad::models {

struct VqVaeOptions {
  nn::VectorQuantizerOptions quantizer{};  ///< K, D, beta, EMA
  Index hidden = 64;                       ///< channels of the residual trunk
  Index residual_hidden = 32;              ///< channels inside each residual block
  std::int64_t restart_every = 100;        ///< restart codes unused for this many steps (0: never)
  /// The prior over the code grids make_prior builds: "pixelcnn" (channels, gated layers)
  /// or "transformer" (d_model, layers, heads).
  std::string prior = "pixelcnn";
  Index prior_channels = 64;
  Index prior_layers = 5;
  Index prior_heads = 4;  ///< transformer only
  double prior_dropout = 0;  ///< transformer only: dropout in its training, against overfitting the codes
};

class VqVae : public GenerativeModel {
 public:
  static constexpr Index kSide = 28, kGrid = 7;

  VqVae(const VqVaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "vq-vae"; }
  /// D * 7 * 7: encode returns the quantized grid flattened.
  Index latent_dim() const override { return options.quantizer.dim * kGrid * kGrid; }

  /// recon (BCE per image) + 49 * the quantizer's per-code loss; restarts dead codes
  /// every restart_every steps. extra: vq_loss, perplexity.
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  /// Throws: a deterministic one-hot posterior gives no importance weights.
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;
  Tensor encode(const Batch& batch) override;
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  /// Decoded draws of the attached prior at its sampling temperature (1 unless set); ValueError
  /// when none is attached.
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;
  std::string describe() const override;

  /// (B, 49) the code chosen at each grid position.
  IndexTensor encode_codes(const Batch& batch);
  /// (B, 49) codes -> (B, 784) pixel means.
  Tensor decode_codes(const IndexTensor& codes);
  /// The PixelCNN prior's options for this model's grid and codebook.
  PixelCnnPriorOptions prior_options() const;
  /// A new, untrained prior of options.prior's kind for this model's grid and codebook.
  std::shared_ptr<CodePrior> make_prior(core::Generator& gen) const;
  void set_prior(std::shared_ptr<CodePrior> prior) { prior_ = std::move(prior); }
  const std::shared_ptr<CodePrior>& prior() const { return prior_; }
  /// The temperature `sample` draws codes at (CodePrior::sample); ValueError unless > 0.
  void set_prior_temperature(double temperature);
  double prior_temperature() const { return prior_temperature_; }

  const VqVaeOptions options;
  std::shared_ptr<nn::Sequential> encoder;  ///< (B, 1, 28, 28) -> (B, D, 7, 7); forward_rows: (B * 49, D)
  std::shared_ptr<nn::VectorQuantizer> quantizer;
  std::shared_ptr<nn::Sequential> decoder;  ///< (B, D, 7, 7) -> (B, 1, 28, 28) logits
  std::shared_ptr<BernoulliHead> out;

 private:
  struct Pass {
    nn::Quantized q;
    Var recon;    ///< (B) -log p(x | z_q)
    Tensor rows;  ///< (B * 49, D) the encoder's outputs, for restarts
  };
  Pass pass(const Batch& batch);
  /// (B * 49, D) -> (B, D, 7, 7)
  Var rows_to_grid(const Var& rows) const;
  Tensor pixel_means(const Var& grid);
  std::shared_ptr<CodePrior> prior_;
  double prior_temperature_ = 1.0;
};

}  // namespace xgrad::models
