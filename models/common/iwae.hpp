#pragma once
// The importance-weighted bound (Burda et al. 2015) on log p(x), per example:
//   log p(x) >= E[ log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x) ],  z_i ~ q(z | x),
// which is the ELBO for k = 1 and tightens as k grows. Works for any
// LatentVariableModel: the encoder runs once, the decoder once per sample, and the
// log-weights are combined with a log-sum-exp in double.
#include "xgrad/models/common/latent_variable_model.hpp"

namespace xgrad::models {

/// (B) the k-sample bound for each example of the batch (no graph is recorded).
Tensor iwae_log_likelihood(LatentVariableModel& model, const Batch& batch, int k, core::Generator& gen);

/// (B) log p(x | z) + log p(z) - log q(z | x) for one z ~ q per example: one log-weight.
Tensor log_importance_weight(LatentVariableModel& model, const Batch& batch, const nn::Normal<>& q,
                             const nn::Normal<>& p, core::Generator& gen);

}  // namespace xgrad::models
