#pragma once
// beta-VAE (Higgins et al. 2017): the VAE with the KL weighted by beta > 1, which
// trades reconstruction for a more factorised, less used latent code; or, with
// `capacity`, the objective of Burgess et al. 2018: -recon + gamma |KL - C| with C
// rising linearly from 0 to c_max nats over capacity_steps optimizer steps.
#include "xgrad/models/common/kl_schedule.hpp"
#include "xgrad/models/vae.hpp"

namespace xgrad::models {

struct BetaVaeOptions {
  VaeOptions vae{};
  double beta = 4;
  bool capacity = false;  ///< use the capacity objective instead of beta
  double gamma = 1000;
  double c_max = 25;
  std::int64_t capacity_steps = 100000;
};

class BetaVae : public Vae {
 public:
  BetaVae(const BetaVaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "beta-vae"; }
  /// Capacity mode: sets C from the optimizer's step count (so a resumed run continues the ramp).
  StepStats train_step(const Batch& batch, core::Generator& gen) override;
  /// A schedule's weight w makes the KL weight w * beta.
  void set_kl_weight(double w) override;

  const BetaVaeOptions beta_options;
  const KlSchedule capacity_schedule;  ///< constant:beta unless capacity
};

}  // namespace xgrad::models
