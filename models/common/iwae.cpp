#include "xgrad/models/common/iwae.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/models/common/elbo.hpp"

namespace xgrad::models {

Tensor log_importance_weight(LatentVariableModel& model, const Batch& batch, const nn::Normal<>& q,
                             const nn::Normal<>& p, core::Generator& gen) {
  autograd::NoGradGuard no_grad;
  const Var z(q.sample(gen));
  const auto lik = model.likelihood(z, batch);
  const Var x = match_event_shape(*lik, model.target(batch));
  const Var lw = sum_except_batch(lik->log_prob(x)) + sum_except_batch(p.log_prob(z)) - sum_except_batch(q.log_prob(z));
  return lw.value();
}

Tensor iwae_log_likelihood(LatentVariableModel& model, const Batch& batch, int k, core::Generator& gen) {
  if (k < 1) throw core::ValueError(fmt::format("iwae_log_likelihood: k must be >= 1, got {}", k));
  autograd::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const nn::Normal<> q = model.posterior(batch);
  const Index b = batch.size();
  const nn::Normal<> p = model.prior_for(batch, b);
  // Streaming log-sum-exp in double: running max m and sum s of exp(lw - m).
  std::vector<double> m(static_cast<std::size_t>(b), -std::numeric_limits<double>::infinity());
  std::vector<double> s(static_cast<std::size_t>(b), 0.0);
  for (int i = 0; i < k; ++i) {
    const Tensor lw = log_importance_weight(model, batch, q, p, gen);
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
