#pragma once
// GenerativeModel: what every model of the family offers, so that one trainer
// (nn::Trainer) trains any of them and one harness (apps/) evaluates, samples and
// compares them the same way. A model says which optimizers it needs
// (optimizer_specs) and what one step is (train_step, which may minimise several
// losses in turn with different optimizers, as the AAE does); the trainer owns the
// optimizers, the schedules' step, checkpoints and metrics.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::models {

using core::Index;
using core::IndexTensor;
using nn::Batch;
using nn::Tensor;
using nn::Var;

/// Per-example means over a batch, in nats.
struct StepStats {
  double loss = 0;   ///< the objective minimised (includes the KL weight)
  double recon = 0;  ///< reconstruction negative log-likelihood
  double kl = 0;     ///< KL(q || p) (0 where a model has none)
  std::map<std::string, double> extra;  ///< model-specific terms (e.g. AAE's discriminator loss)

  /// Every figure by name (loss, recon, kl, neg_elbo = recon + kl, then the extras),
  /// for the trainer's checks and running means.
  std::vector<std::pair<std::string, double>> named() const {
    std::vector<std::pair<std::string, double>> out{{"loss", loss}, {"recon", recon}, {"kl", kl}, {"neg_elbo", recon + kl}};
    for (const auto& [k, v] : extra) out.emplace_back(k, v);
    return out;
  }
};

/// Sums over the examples of a batch (divide by `count` for means), in nats.
struct EvalSums {
  double neg_elbo = 0;  ///< recon + kl with weight 1 (for AAE: the reconstruction term only)
  double recon = 0;
  double kl = 0;
  Index count = 0;
  EvalSums& operator+=(const EvalSums& o) {
    neg_elbo += o.neg_elbo, recon += o.recon, kl += o.kl, count += o.count;
    return *this;
  }
};

class GenerativeModel : public nn::Trainable {
 public:
  /// "vae", "conv-vae", "cvae", "beta-vae", "aae", "vrnn", ...
  virtual std::string kind() const = 0;
  virtual Index latent_dim() const = 0;

  /// One optimisation step on a batch (every phase, for multi-phase models), through
  /// ctx.minimize; schedules read ctx.step.
  virtual StepStats train_step(const Batch& batch, nn::StepContext& ctx) = 0;
  nn::StepTerms training_step(const Batch& batch, nn::StepContext& ctx) final { return train_step(batch, ctx).named(); }
  /// The batch's terms without changing anything (no graph is recorded).
  virtual EvalSums evaluate(const Batch& batch, core::Generator& gen) = 0;
  /// Importance-weighted log-likelihood bound (Burda et al. 2015) per example, with k
  /// samples; models without a tractable proposal/prior/likelihood throw.
  virtual Tensor iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) = 0;

  /// Posterior means E_q[z | x] (B, latent_dim).
  virtual Tensor encode(const Batch& batch) = 0;
  /// Means of p(x | z) for latent codes z (B, latent_dim); `labels` for conditional models.
  virtual Tensor decode(const Tensor& z, const IndexTensor& labels = {}) = 0;
  /// n draws from the model (means of p(x | z), z from the prior); `labels` for conditional models.
  virtual Tensor sample(Index n, core::Generator& gen, const IndexTensor& labels = {}) = 0;
  /// decode(encode(x)).
  virtual Tensor reconstruct(const Batch& batch) { return decode(encode(batch), batch.labels); }
  /// Called once training is over, with the training data: for what a model estimates
  /// from the whole set rather than learns by steps (the autoencoder's Gaussian over its
  /// training codes, which its sample() draws from). Nothing by default.
  virtual void finish_training(const nn::Dataset& train) { (void)train; }
};

/// A model with the optimizers a trainer would build for it, stepped by hand: for
/// tests, benchmarks and loops of one's own (nn::Trainer is the loop with checkpoints).
class Stepper {
 public:
  explicit Stepper(GenerativeModel& model, core::Generator& gen, const nn::OptimizerOptions& options = {},
                   std::int64_t total_steps = 0)
      : model_(model), gen_(gen), optimizers_(model.optimizer_specs(options)), total_steps_(total_steps) {}
  StepStats step(const Batch& batch) {
    nn::StepContext ctx{gen_, steps_, total_steps_, model_, optimizers_};
    StepStats stats = model_.train_step(batch, ctx);
    ++steps_;
    return stats;
  }
  nn::Optimizers& optimizers() { return optimizers_; }
  std::int64_t steps() const { return steps_; }

 private:
  GenerativeModel& model_;
  core::Generator& gen_;
  nn::Optimizers optimizers_;
  std::int64_t total_steps_;
  std::int64_t steps_ = 0;
};

}  // namespace xgrad::models
