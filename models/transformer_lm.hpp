#pragma once
// TransformerLm ("transformer"): the Transformer VAE's decoder without latent — the
// baseline it is compared with: p(x) = prod_t p(x_t | x_<t), the CausalDecoder from its
// learned start. Reads batches as the VRNN and the VAE do (SequenceInput), so its per-step
// negative log-likelihood compares directly with their per-step negative ELBO. Its IWAE
// bound is the exact log-likelihood; encode and decode throw (no latent); it generates,
// forecasts and scores steps like the latent models.
#include <memory>
#include <string>

#include "xgrad/models/causal_decoder.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/sequence_model.hpp"

namespace xgrad::models {

class TransformerLm : public GenerativeModel, public SequenceModel {
 public:
  TransformerLm(const CausalDecoderOptions& options, core::Generator& gen);

  std::string kind() const override { return "transformer"; }
  Index latent_dim() const override { return 0; }
  std::string describe() const override;
  /// (B) negative log-likelihood per sequence, summed over steps.
  Var nll(const Batch& batch) const;
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;
  Tensor encode(const Batch& batch) override;
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  /// generate(n, context).
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;

  Tensor generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling = {},
                  const IndexTensor& text_prefix = {}, const Tensor& series_prefix = {}) override;
  /// -log p(x_t | x_<t) per step (B, L); k is not used (nothing is drawn).
  Tensor step_scores(const Batch& batch, int k, core::Generator& gen) override;
  Tensor sample_future(const Tensor& history, Index horizon, core::Generator& gen) override;

  const CausalDecoderOptions options;

 private:
  /// (B, L) -log p(x_t | x_<t), 0 at padded steps (which no position attends to).
  Var step_nll(const Batch& batch) const;
  Tensor unroll(Index n, const Tensor& prefix, Index length, const CausalDecoder::Pick& pick);
  std::shared_ptr<CausalDecoder> decoder_;
};

}  // namespace xgrad::models
