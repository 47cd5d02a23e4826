#include "xgrad/models/common/iwae.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/models/common/elbo.hpp"

namespace xgrad::models {

Tensor log_importance_weight(LatentVariableModel& model, const Batch& batch, const Latents& latents) {
  autograd::NoGradGuard no_grad;
  const auto lik = model.likelihood_of(latents, batch);
  const Var x = match_event_shape(*lik, model.target(batch));
  Var lw = lik->log_prob_rows(x);
  for (const LatentGroup& g : latents) lw = lw + sum_except_batch(g.p->log_prob(g.z)) - sum_except_batch(g.q->log_prob(g.z));
  return lw.value();
}

Var log_mean_exp(const Var& log_weights) {
  const double k = static_cast<double>(log_weights.shape()[1]);
  return autograd::logsumexp(log_weights, {1}) - static_cast<float>(std::log(k));
}

ElboTerms iwae_terms(LatentVariableModel& model, const Batch& batch, int k, core::Generator& gen) {
  if (k < 1) throw core::ValueError(fmt::format("iwae_terms: k must be >= 1, got {}", k));
  std::vector<Var> log_weights;
  ElboTerms first;
  for (int i = 0; i < k; ++i) {
    const Latents l = model.latents(batch, gen);
    const auto lik = model.likelihood_of(l, batch);
    ElboTerms t = elbo(*lik, model.target(batch), l, ElboObjective::elbo());
    log_weights.push_back(t.recon_log_lik + latent_log_weight(l));
    if (i == 0) first = std::move(t);
  }
  first.loss = -autograd::mean(log_mean_exp(autograd::stack(log_weights, 1)));
  return first;
}

Tensor iwae_log_likelihood(LatentVariableModel& model, const Batch& batch, int k, core::Generator& gen) {
  if (k < 1) throw core::ValueError(fmt::format("iwae_log_likelihood: k must be >= 1, got {}", k));
  autograd::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const Index b = batch.size();
  // Streaming log-sum-exp in double: running max m and sum s of exp(lw - m).
  std::vector<double> m(static_cast<std::size_t>(b), -std::numeric_limits<double>::infinity());
  std::vector<double> s(static_cast<std::size_t>(b), 0.0);
  for (int i = 0; i < k; ++i) {
    // A fresh pass per sample: in a hierarchy later posteriors depend on earlier draws.
    const Tensor lw = log_importance_weight(model, batch, model.latents(batch, gen));
    for (Index j = 0; j < b; ++j) {
      const double v = lw.data()[j];
      auto& mj = m[static_cast<std::size_t>(j)];
      auto& sj = s[static_cast<std::size_t>(j)];
      if (v > mj) {
        sj = sj * std::exp(mj - v) + 1.0;
        mj = v;
      } else {
        sj += std::exp(v - mj);
      }
    }
  }
  Tensor out({b});
  for (Index j = 0; j < b; ++j)
    out.data()[j] = static_cast<float>(m[static_cast<std::size_t>(j)] + std::log(s[static_cast<std::size_t>(j)]) -
                                       std::log(static_cast<double>(k)));
  model.train(was_training);
  return out;
}

}  // namespace xgrad::models
