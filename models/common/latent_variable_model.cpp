#include "xgrad/models/common/latent_variable_model.hpp"

#include "xgrad/models/common/iwae.hpp"
#include "xgrad/nn/optim/adam.hpp"

namespace xgrad::models {

nn::Normal<> LatentVariableModel::prior(Index n) { return nn::Normal<>::standard(core::Shape{n, latent_dim()}); }

ElboTerms LatentVariableModel::terms(const Batch& batch, core::Generator& gen) {
  const nn::Normal<> q = posterior(batch);
  const Var z = q.rsample(gen);
  const auto lik = likelihood(z, batch);
  return elbo(*lik, target(batch), q, prior_for(batch, batch.size()), objective_);
}

StepStats LatentVariableModel::train_step(const Batch& batch, core::Generator& gen) {
  train();
  optimizer_->zero_grad();
  const ElboTerms t = terms(batch, gen);
  t.loss.backward();
  optimizer_->step();
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

std::vector<std::pair<std::string, nn::Optimizer*>> LatentVariableModel::optimizers() {
  return {{"adam", optimizer_.get()}};
}

void LatentVariableModel::set_objective(const ElboObjective& objective) {
  objective_ = objective;
  kl_weight_ = objective.kl_weight;
}

void LatentVariableModel::set_kl_weight(double w) {
  kl_weight_ = w;
  objective_.kl_weight = w;
}

void LatentVariableModel::make_optimizer(double lr) {
  optimizer_ = std::make_unique<nn::Adam>(parameters(), nn::AdamOptions{.lr = lr});
}

}  // namespace xgrad::models
