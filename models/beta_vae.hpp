#pragma once
// beta-VAE (Higgins et al. 2017): the VAE with the KL weighted by beta > 1, which
// trades reconstruction for a more factorised, less used latent code; or, with
// `capacity`, the objective of Burgess et al. 2018: -recon + gamma |KL - C| with C
// rising linearly from 0 to c_max nats over capacity_steps training steps. All of
// it is the VAE with another ElboLoss.
#include <optional>

#include "xgrad/models/common/kl_schedule.hpp"
#include "xgrad/models/vae.hpp"

namespace xgrad::models {

struct BetaVaeOptions {
  VaeOptions vae{};
  double beta = 4;
  std::optional<KlSchedule> schedule{};  ///< a KL schedule whose weight beta multiplies
  bool capacity = false;  ///< use the capacity objective instead of beta (and schedule)
  double gamma = 1000;
  double c_max = 25;
  std::int64_t capacity_steps = 100000;
};

/// The ElboLoss a beta-VAE with these options trains on.
ElboLoss beta_vae_objective(const BetaVaeOptions& options);

class BetaVae : public Vae {
 public:
  BetaVae(const BetaVaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "beta-vae"; }

  const BetaVaeOptions beta_options;
};

}  // namespace xgrad::models
