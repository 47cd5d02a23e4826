#pragma once
// The evidence lower bound, from distributions: E_q[log p(x|z)] - KL(q(z|x) || p(z)),
// estimated with the one z the caller drew from q. Every model builds its
// objective here, so no model writes a KL or a log-likelihood formula.
//
// Conventions: the first axis is the batch; every other axis of the likelihood's
// log_prob and of the KL is summed (pixels, latent dimensions, time steps), so the
// terms are (B) per example; the objective is the MEAN over the batch (PyTorch's
// VAE example sums over the batch; bench/pytorch/vae.py uses the mean too, so the
// two sides are comparable step for step).
#include <string>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/latents.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

namespace xgrad::models {

/// Which objective the ELBO terms are turned into.
struct ElboObjective {
  enum class Kind {
    Elbo,      ///< mean_b -(recon - kl_weight * kl)
    FreeBits,  ///< mean_b -recon + kl_weight * sum_d max(free_bits, mean_b kl_d)  (Kingma et al. 2016)
    Capacity,  ///< mean_b -recon + gamma * |mean_b kl - capacity|               (Burgess et al. 2018)
    GroupFreeBits,  ///< mean_b -recon + kl_weight * sum_g max(free_bits, mean_b kl_g): one floor per latent
                    ///< group (a hierarchy's layer), the grouped free bits of Kingma et al. 2016
  };
  Kind kind = Kind::Elbo;
  double kl_weight = 1;  ///< beta (Elbo, FreeBits)
  double free_bits = 0;  ///< lambda, nats per latent dimension (FreeBits)
  double gamma = 1;      ///< (Capacity)
  double capacity = 0;   ///< C, nats (Capacity)

  static ElboObjective elbo(double kl_weight = 1) { return {.kind = Kind::Elbo, .kl_weight = kl_weight}; }
  static ElboObjective with_free_bits(double lambda, double kl_weight = 1) {
    return {.kind = Kind::FreeBits, .kl_weight = kl_weight, .free_bits = lambda};
  }
  static ElboObjective with_group_free_bits(double lambda, double kl_weight = 1) {
    return {.kind = Kind::GroupFreeBits, .kl_weight = kl_weight, .free_bits = lambda};
  }
  static ElboObjective with_capacity(double gamma, double capacity) {
    return {.kind = Kind::Capacity, .gamma = gamma, .capacity = capacity};
  }
  /// "elbo(beta=1)", "free-bits(lambda=0.5, beta=1)", "group-free-bits(lambda=1, beta=1)",
  /// "capacity(gamma=1000, C=12.5)".
  std::string str() const;
};

struct ElboTerms {
  Var recon_log_lik;  ///< (B) log p(x | z), summed over the data's dimensions
  Var kl;             ///< (B) KL(q(z | x) || p(z)), summed over the latent dimensions
  Var kl_per_dim;     ///< (B, Z) the KL before summing (latent flattened to Z; groups side by side)
  Var loss;           ///< scalar: the objective minimised (see ElboObjective)
  /// (B) each latent group's KL, by name (one entry "z" for a single latent).
  std::vector<std::pair<std::string, Var>> kl_per_group;
  ElboObjective objective;

  Index batch_size() const { return recon_log_lik.size(0); }
  /// (B) recon - kl (weight 1): the per-example ELBO, a lower bound of log p(x).
  Var elbo() const;
  /// Sums over the batch, in nats.
  double recon_sum() const;  ///< sum_b -recon (the reconstruction NLL)
  double kl_sum() const;
  double neg_elbo_sum() const { return recon_sum() + kl_sum(); }
  /// Means over the batch, in nats.
  double recon_mean() const { return recon_sum() / static_cast<double>(batch_size()); }
  double kl_mean() const { return kl_sum() / static_cast<double>(batch_size()); }
  double neg_elbo_mean() const { return neg_elbo_sum() / static_cast<double>(batch_size()); }
  double loss_value() const { return loss.item(); }
  /// What GenerativeModel::train_step and evaluate report.
  StepStats step_stats() const;
  EvalSums eval_sums() const;
};

/// The terms with the ELBO objective weighted by kl_weight (beta):
/// loss = mean_b -(log p(x|z) - kl_weight * KL(q || p)). `x` is what the likelihood
/// scores; it is reshaped to the likelihood's batch shape when only the shape differs.
ElboTerms elbo(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
               const nn::Distribution<>& p, double kl_weight = 1);
/// The same terms with any objective (free bits, capacity).
ElboTerms elbo(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
               const nn::Distribution<>& p, const ElboObjective& objective);
/// The terms over any number of latent groups of any family: the KL is the sum of the
/// groups' (analytic or Monte-Carlo, LatentGroup::kl_per_dim); free bits floor every
/// dimension of every group (GroupFreeBits: each group's KL); kl_per_group reports each.
ElboTerms elbo(const nn::Distribution<>& likelihood, const Var& x, const Latents& latents,
               const ElboObjective& objective);
/// Free bits (Kingma et al. 2016): the KL of each latent dimension, averaged over the
/// batch, is floored at lambda nats, so dimensions below it get no pressure to collapse.
ElboTerms elbo_free_bits(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                         const nn::Distribution<>& p, double lambda, double kl_weight = 1);
/// Capacity objective (Burgess et al. 2018): loss = mean_b -recon + gamma |mean_b KL - C|.
ElboTerms elbo_capacity(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                        const nn::Distribution<>& p, double gamma, double capacity);

/// The terms of sequences whose padded steps count nothing: the likelihood scores (B, L, ...)
/// and the KL is (B, L, Z); steps where mask (B, L) is 0 are zeroed before summing over time.
/// Plain ELBO objective only (ValueError otherwise); an undefined mask gives elbo().
ElboTerms masked_elbo(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                      const nn::Distribution<>& p, const Tensor& mask, const ElboObjective& objective);
/// (B) log p(x | z) + log p(z) - log q(z | x) of sequences (B, L, ...) and their latent paths
/// z (B, L, Z), summed over the steps where mask (B, L) is 1 (all when undefined): a log-weight.
Var masked_log_weight(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                      const nn::Distribution<>& p, const Var& z, const Tensor& mask);

/// (B) -log p(x | z) summed over the data's dimensions: the reconstruction loss of a
/// likelihood (BCE over the pixels for a Bernoulli), for models trained on it alone.
Var reconstruction_nll(const nn::Distribution<>& likelihood, const Var& x);

/// x reshaped to the likelihood's batch shape when only the shape differs (images
/// (B, 1, 28, 28) scored by a (B, 784) Bernoulli); x as is otherwise.
Var match_event_shape(const nn::Distribution<>& likelihood, const Var& x);

/// (B, L, ...) -> (B, L): a step's log-density summed over its data dimensions.
Var sum_per_step(const Var& x);

/// Sums every axis but the first: (B, ...) -> (B); a (B) input is returned as is.
Var sum_except_batch(const Var& x);

}  // namespace xgrad::models
