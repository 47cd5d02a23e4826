#include "xgrad/models/common/latent_variable_model.hpp"

#include "xgrad/models/common/iwae.hpp"

namespace xgrad::models {

nn::Normal<> LatentVariableModel::prior(Index n) { return nn::Normal<>::standard(core::Shape{n, latent_dim()}); }

ElboTerms LatentVariableModel::terms(const Batch& batch, core::Generator& gen, std::int64_t step) {
  const nn::Normal<> q = posterior(batch);
  const Var z = q.rsample(gen);
  const auto lik = likelihood(z, batch);
  return elbo(*lik, target(batch), q, prior_for(batch, batch.size()), objective_.at(step));
}

StepStats LatentVariableModel::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const ElboTerms t = terms(batch, ctx.gen, ctx.step);
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
  return posterior(batch).mean().value();
}

Tensor LatentVariableModel::decode(const Tensor& z, const IndexTensor& labels) {
  autograd::NoGradGuard no_grad;
  return likelihood(Var(z), Batch{.x = {}, .y = {}, .labels = labels})->mean().value();
}

Tensor LatentVariableModel::sample(Index n, core::Generator& gen, const IndexTensor& labels) {
  return decode(prior_for(Batch{.x = {}, .y = {}, .labels = labels}, n).sample(gen), labels);
}

}  // namespace xgrad::models
