#pragma once
// The importance-weighted bound (Burda et al. 2015) on log p(x), per example:
//   log p(x) >= E[ log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x) ],  z_i ~ q(z | x),
// which is the ELBO for k = 1 and tightens as k grows. Works for any
// LatentVariableModel (any latent groups): one model.latents() pass and one decoder pass
// per sample; the log-weights are combined with a log-sum-exp in double.
#include "xgrad/models/common/latent_variable_model.hpp"

namespace xgrad::models {

/// (B) the k-sample bound for each example of the batch (no graph is recorded); each
/// sample is a model.latents() pass, so it covers every latent group.
Tensor iwae_log_likelihood(LatentVariableModel& model, const Batch& batch, int k, core::Generator& gen);

/// The k-sample bound as a differentiable training loss (IwaeLoss): `loss` is
/// -mean_b of the bound; recon, kl and their sums are the first draw's, for reports.
ElboTerms iwae_terms(LatentVariableModel& model, const Batch& batch, int k, core::Generator& gen);

/// (B) log (1/k) sum_i exp(w[:, i]) of (B, k) log-weights w: the k-sample bound per row.
Var log_mean_exp(const Var& log_weights);

/// (B) log p(x | latents) + sum over groups of log p(z) - log q(z): one log-weight.
Tensor log_importance_weight(LatentVariableModel& model, const Batch& batch, const Latents& latents);

}  // namespace xgrad::models
