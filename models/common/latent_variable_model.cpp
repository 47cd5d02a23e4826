#include "xgrad/models/common/latent_variable_model.hpp"

#include <fmt/format.h>

#include "xgrad/models/common/iwae.hpp"

namespace xgrad::models {

DistributionPtr LatentVariableModel::prior(Index n) {
  return make_dist(nn::Normal<>::standard(core::Shape{n, latent_dim()}));
}

Latents LatentVariableModel::latents(const Batch& batch, core::Generator& gen) {
  DistributionPtr q = posterior(batch);
  Var z = q->rsample(gen);
  return {{"z", std::move(q), prior_for(batch, batch.size()), std::move(z)}};
}

ElboTerms LatentVariableModel::terms(const Batch& batch, core::Generator& gen, std::int64_t step) {
  const Latents l = latents(batch, gen);
  const auto lik = likelihood_of(l, batch);
  return elbo(*lik, target(batch), l, objective_.at(step));
}

void LatentVariableModel::set_objective(IwaeLoss objective) {
  if (objective.k < 1) throw core::ValueError(fmt::format("IwaeLoss: k must be >= 1 (got {})", objective.k));
  iwae_ = objective;
}

StepStats LatentVariableModel::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const ElboTerms t = iwae_ ? iwae_terms(*this, batch, iwae_->k, ctx.gen) : terms(batch, ctx.gen, ctx.step);
  ctx.minimize(t.loss);
  return t.step_stats();
}

EvalSums LatentVariableModel::evaluate(const Batch& batch, core::Generator& gen) {
  autograd::NoGradGuard no_grad;
  eval();
  const EvalSums sums = terms(batch, gen).eval_sums();
  train();
  return sums;
}

Tensor LatentVariableModel::iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) {
  return models::iwae_log_likelihood(*this, batch, k, gen);
}

Tensor LatentVariableModel::encode(const Batch& batch) {
  autograd::NoGradGuard no_grad;
  return posterior(batch)->mean().value();
}

Tensor LatentVariableModel::decode(const Tensor& z, const IndexTensor& labels) {
  autograd::NoGradGuard no_grad;
  return likelihood(Var(z), Batch{.x = {}, .y = {}, .labels = labels})->mean().value();
}

Tensor LatentVariableModel::sample(Index n, core::Generator& gen, const IndexTensor& labels) {
  return decode(prior_for(Batch{.x = {}, .y = {}, .labels = labels}, n)->sample(gen), labels);
}

}  // namespace xgrad::models
