#pragma once
// The Transformer VAE for text and series (in the line of Bowman et al. 2016's sentence VAE,
// with Transformers on both sides): one Gaussian code z per sequence.
//   q(z | x)          = N(GaussianHead(mean over positions of a Transformer encoder of x))
//   p(z)              = N(0, I)
//   p(x | z)          = prod_t p(x_t | x_<t, z), the CausalDecoder with z entering as
//                       `z_input`: Add (W z + b added to every position's input, default) or
//                       Prefix (W z + b read at position 0 instead of the learned start)
// A LatentVariableModel: the ELBO with any ElboObjective (KL schedule, free bits), the IWAE
// bound, encode (posterior means, (B, latent)) come from the base. Batches as SequenceInput
// reads them (text labels (B, L + 1) scoring labels[:, 1:], series x (B, L, D)); padded steps
// (label -1, a NaN row) are not attended to and not scored, and positions keep their index,
// so a row padded at its end scores as the row alone. Why Add: models/README.md
// ("Transformer VAE"), measured.
#include <memory>
#include <string>

#include "xgrad/models/causal_decoder.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/models/common/sequence_model.hpp"

namespace xgrad::models {

enum class LatentInput { Add, Prefix };

struct TransformerVaeOptions {
  CausalDecoderOptions decoder;  ///< the encoder has the same sizes
  Index latent = 16;
  LatentInput z_input = LatentInput::Add;
};

class TransformerVae : public LatentVariableModel, public SequenceModel {
 public:
  TransformerVae(const TransformerVaeOptions& options, core::Generator& gen);

  std::string kind() const override { return "transformer-vae"; }
  Index latent_dim() const override { return options.latent; }
  std::string describe() const override;

  DistributionPtr posterior(const Batch& batch) override;
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch& batch) override;
  Var target(const Batch& batch) const override { return Var(read(batch).target); }

  /// Greedy decoding of `context` steps from codes z (B, latent): text (B, L) most likely bytes,
  /// series (B, L, D) means, each fed back.
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  /// generate(n, context) with z from the prior.
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;

  /// z from the prior, or from q(z | prefix) when there is a prefix (its last `context` steps).
  Tensor generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling = {},
                  const IndexTensor& text_prefix = {}, const Tensor& series_prefix = {}) override;
  /// -log p(x_t | x_<t, z) + KL(q || p) / L per step, averaged over k draws z ~ q(z | x)
  /// (L: the row's real steps; 0 at padded ones).
  Tensor step_scores(const Batch& batch, int k, core::Generator& gen) override;
  /// z ~ q(z | the last `context` steps of the history), then the decoder reads the history and draws.
  Tensor sample_future(const Tensor& history, Index horizon, core::Generator& gen) override;

  const TransformerVaeOptions options;

 private:
  SequenceInput read(const Batch& batch) const;
  /// q(z | values) of batch-major values (B, L[, D]); `mask` (B, L), 0 at padded steps
  /// (undefined: none): padded steps are neither attended to nor pooled.
  nn::Normal<> encode_values(const Tensor& values, const Tensor& mask = {}) const;
  /// The decoder's (first, added) for codes z.
  std::pair<Var, Var> conditioning(const Var& z) const;
  /// The decoder from z over `prefix`, then `length` values picked.
  Tensor unroll_from(const Var& z, const Tensor& prefix, Index length, const CausalDecoder::Pick& pick);

  std::shared_ptr<ValueEmbedding> enc_embed_;
  std::shared_ptr<nn::Linear> z_proj_;
  std::shared_ptr<nn::LearnedPositionalEncoding> enc_positions_;
  std::vector<std::shared_ptr<nn::TransformerEncoderLayer>> enc_layers_;
  std::shared_ptr<nn::LayerNorm> enc_norm_;
  std::shared_ptr<GaussianHead> enc_head_;
  std::shared_ptr<CausalDecoder> decoder_;
};

}  // namespace xgrad::models
