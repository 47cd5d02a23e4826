#include "xgrad/models/beta_tcvae.hpp"

namespace xgrad::models {

BetaTcVae::BetaTcVae(const BetaTcVaeOptions& o, core::Generator& gen) : Vae(o.vae, gen), tc_options(o) {
  const TcDecomposedLoss& l = o.loss;
  if (!(l.alpha >= 0 && l.beta >= 0 && l.gamma >= 0)) throw core::ValueError("BetaTcVae: alpha, beta, gamma must be >= 0");
  if (l.dataset_size < 1) throw core::ValueError("BetaTcVae: the dataset size must be positive");
}

StepStats BetaTcVae::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const Latents l = latents(batch, ctx.gen);
  const ElboTerms t = elbo(*likelihood_of(l, batch), target(batch), l, ElboObjective::elbo());
  const auto& q = dynamic_cast<const nn::Normal<>&>(*l.front().q);
  const TcDecomposedLoss::Result r = tc_options.loss(t.recon_log_lik, q, l.front().z);
  StepStats stats = t.step_stats();
  stats.loss = ctx.minimize(r.loss);
  stats.extra = {{"mi", r.mi}, {"tc", r.tc}, {"dim_kl", r.dim_kl}};
  return stats;
}

}  // namespace xgrad::models
