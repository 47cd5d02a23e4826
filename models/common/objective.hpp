#pragma once
// The ELBO objective as an object (Pyro's Trace_ELBO): which ElboObjective — the
// KL weight beta, free bits, a capacity target — applies at each training step.
// Every KL schedule reaches a model this one way: the model asks its objective
// for the step the trainer passes (nn::StepContext::step), so a resumed run is at
// the same point of every schedule without any state of its own.
#include <cstdint>
#include <optional>
#include <string>

#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/kl_schedule.hpp"

namespace xgrad::models {

class ElboLoss {
 public:
  /// The plain ELBO (weight 1) at every step.
  ElboLoss() = default;
  /// `fixed` at every step (implicit: an ElboObjective is an ElboLoss without schedule).
  ElboLoss(const ElboObjective& fixed) : fixed_(fixed) {}  // NOLINT(google-explicit-constructor)
  /// schedule.objective(step), its KL weight multiplied by `beta` (the beta-VAE's).
  explicit ElboLoss(KlSchedule schedule, double beta = 1) : schedule_(std::move(schedule)), beta_(beta) {}

  ElboObjective at(std::int64_t step) const;
  /// "elbo(beta=4)", or the schedule's spec with the beta: "linear:1000 x beta=4".
  std::string describe() const;

 private:
  ElboObjective fixed_;
  std::optional<KlSchedule> schedule_;
  double beta_ = 1;
};

/// The importance-weighted bound as the training objective (Burda et al. 2015):
/// loss = -mean_b log (1/k) sum_i p(x, z_i) / q(z_i | x) over k draws of every latent
/// group — the ELBO for k = 1, tighter (and a less regularised posterior) as k grows.
struct IwaeLoss {
  int k = 5;
};

}  // namespace xgrad::models
