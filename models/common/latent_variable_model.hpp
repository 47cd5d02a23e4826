#pragma once
// LatentVariableModel: a GenerativeModel given by distributions of any family — the
// proposal q(z | x), the prior p(z) and the likelihood p(x | z) — and an objective.
// Everything else (train_step, evaluate, the IWAE bound, encode, decode, sample)
// has a default built on those, so a VAE variant is mostly its networks. A model
// with several latent groups (a hierarchy) overrides latents(); the ELBO, free bits
// and KL per dimension then cover every group.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/objective.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

namespace xgrad::models {

class LatentVariableModel : public GenerativeModel {
 public:
  /// q(z | x) for the batch (B, latent_dim); uses batch.x (and batch.labels if conditional).
  virtual DistributionPtr posterior(const Batch& batch) = 0;
  /// p(z) for n examples: N(0, I) of shape (n, latent_dim) unless overridden.
  virtual DistributionPtr prior(Index n);
  /// p(z | conditioning) for n rows whose conditioning (labels) `batch` carries; its x
  /// is not read. prior(n) unless overridden: a model with a conditional prior (the
  /// CVAE's p(z | y)) overrides this one. The ELBO, the IWAE bound, sample and
  /// kl_per_dimension all use it.
  virtual DistributionPtr prior_for(const Batch& batch, Index n) {
    (void)batch;
    return prior(n);
  }
  /// The batch's latent groups with their draws: one group "z" (posterior, prior_for,
  /// a reparameterised draw) unless overridden by a model with several.
  virtual Latents latents(const Batch& batch, core::Generator& gen);
  /// p(x | z) for codes z (B, latent_dim); `batch` carries the conditioning (labels),
  /// and its x is not read (decode passes a batch holding labels only).
  virtual std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch& batch) = 0;
  /// p(x | latents): the last group's draw into likelihood(z, batch) unless overridden.
  virtual std::unique_ptr<nn::Distribution<>> likelihood_of(const Latents& latents, const Batch& batch) {
    return likelihood(latents.back().z, batch);
  }
  /// The latent groups' names and sizes in the order of encode's columns (and of the KL per
  /// dimension): one group "z" of latent_dim() unless overridden (a hierarchy lists its layers).
  virtual std::vector<std::pair<std::string, Index>> latent_layout() const { return {{"z", latent_dim()}}; }
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
  void set_objective(ElboLoss objective) { objective_ = std::move(objective), iwae_.reset(); }
  /// Trains on the k-sample importance-weighted bound instead of the ELBO.
  void set_objective(IwaeLoss objective);
  /// The IWAE objective when it is the one trained on.
  const std::optional<IwaeLoss>& iwae_objective() const { return iwae_; }

 protected:
  ElboLoss objective_;
  std::optional<IwaeLoss> iwae_;
};

}  // namespace xgrad::models
