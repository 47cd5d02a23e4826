#pragma once
// LatentVariableModel: a GenerativeModel given by three distributions — the
// proposal q(z | x), the prior p(z) and the likelihood p(x | z) — and an objective.
// Everything else (train_step, evaluate, the IWAE bound, encode, decode, sample)
// has a default built on those three, so a VAE variant is mostly its networks.
#include <memory>

#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/objective.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

namespace xgrad::models {

class LatentVariableModel : public GenerativeModel {
 public:
  /// q(z | x) for the batch (B, latent_dim); uses batch.x (and batch.labels if conditional).
  virtual nn::Normal<> posterior(const Batch& batch) = 0;
  /// p(z) for n examples: N(0, I) of shape (n, latent_dim) unless overridden.
  virtual nn::Normal<> prior(Index n);
  /// p(z | conditioning) for n rows whose conditioning (labels) `batch` carries; its x
  /// is not read. prior(n) unless overridden: a model with a conditional prior (the
  /// CVAE's p(z | y)) overrides this one. The ELBO, the IWAE bound, sample and
  /// kl_per_dimension all use it.
  virtual nn::Normal<> prior_for(const Batch& batch, Index n) {
    (void)batch;
    return prior(n);
  }
  /// p(x | z) for codes z (B, latent_dim); `batch` carries the conditioning (labels),
  /// and its x is not read (decode passes a batch holding labels only).
  virtual std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch& batch) = 0;
  /// What the likelihood scores: batch.x unless overridden.
  virtual Var target(const Batch& batch) const { return Var(batch.x); }

  /// The ELBO terms with the objective at training step `step` and one z ~ q drawn from `gen`.
  virtual ElboTerms terms(const Batch& batch, core::Generator& gen, std::int64_t step = 0);

  /// Minimises the objective at ctx.step.
  StepStats train_step(const Batch& batch, nn::StepContext& ctx) override;
  EvalSums evaluate(const Batch& batch, core::Generator& gen) override;
  Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) override;
  Tensor encode(const Batch& batch) override;
  Tensor decode(const Tensor& z, const IndexTensor& labels = {}) override;
  Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) override;

  /// The objective train_step minimises (and its schedule).
  const ElboLoss& objective() const { return objective_; }
  void set_objective(ElboLoss objective) { objective_ = std::move(objective); }

 protected:
  ElboLoss objective_;
};

}  // namespace xgrad::models
