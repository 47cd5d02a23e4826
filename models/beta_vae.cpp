#include "xgrad/models/beta_vae.hpp"

namespace xgrad::models {

namespace {

VaeOptions with_objective(const BetaVaeOptions& o) {
  VaeOptions v = o.vae;
  v.objective = o.capacity ? ElboObjective::with_capacity(o.gamma, 0) : ElboObjective::elbo(o.beta);
  return v;
}

}  // namespace

BetaVae::BetaVae(const BetaVaeOptions& options, core::Generator& gen)
    : Vae(with_objective(options), gen),
      beta_options(options),
      capacity_schedule(options.capacity ? KlSchedule::capacity(options.c_max, options.capacity_steps, options.gamma)
                                         : KlSchedule::constant(options.beta)) {}

StepStats BetaVae::train_step(const Batch& batch, core::Generator& gen) {
  if (beta_options.capacity) set_objective(capacity_schedule.objective(optimizer_->steps()));
  return Vae::train_step(batch, gen);
}

void BetaVae::set_kl_weight(double w) {
  kl_weight_ = w;
  if (!beta_options.capacity) objective_.kl_weight = w * beta_options.beta;
}

}  // namespace xgrad::models
