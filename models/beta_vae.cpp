#include "xgrad/models/beta_vae.hpp"

namespace xgrad::models {

namespace {

VaeOptions with_objective(const BetaVaeOptions& o) {
  VaeOptions v = o.vae;
  v.objective = beta_vae_objective(o);
  return v;
}

}  // namespace

ElboLoss beta_vae_objective(const BetaVaeOptions& o) {
  if (o.capacity) return ElboLoss(KlSchedule::capacity(o.c_max, o.capacity_steps, o.gamma));
  return ElboLoss(o.schedule.value_or(KlSchedule::constant(1)), o.beta);
}

BetaVae::BetaVae(const BetaVaeOptions& options, core::Generator& gen)
    : Vae(with_objective(options), gen), beta_options(options) {}

}  // namespace xgrad::models
