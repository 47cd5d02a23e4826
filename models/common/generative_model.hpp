#pragma once
// GenerativeModel: what every model of the family offers, so that one harness
// (apps/) can train, evaluate, sample and compare any of them the same way.
// Models own their optimizers because some (AAE) update in several phases with
// different ones; train_step runs whatever one step means for the model.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/optim/optimizer.hpp"

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

  /// Every figure by name (loss, recon, kl, then the extras), for checks and reports.
  std::vector<std::pair<std::string, double>> named() const {
    std::vector<std::pair<std::string, double>> out{{"loss", loss}, {"recon", recon}, {"kl", kl}};
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

class GenerativeModel : public nn::Module {
 public:
  /// "vae", "conv-vae", "cvae", "beta-vae", "aae", "vrnn", ...
  virtual std::string kind() const = 0;
  virtual Index latent_dim() const = 0;

  /// One optimisation step on a batch (every phase, for multi-phase models).
  virtual StepStats train_step(const Batch& batch, core::Generator& gen) = 0;
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

  /// The optimizers train_step uses, by name, so checkpoints can save their state.
  virtual std::vector<std::pair<std::string, nn::Optimizer*>> optimizers() = 0;
  /// Sets the KL weight for the next steps (schedules call this); models without one ignore it.
  virtual void set_kl_weight(double w) { kl_weight_ = w; }
  double kl_weight() const { return kl_weight_; }

 protected:
  double kl_weight_ = 1.0;
};

}  // namespace xgrad::models
