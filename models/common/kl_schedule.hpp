#pragma once
// KL schedules: how the KL term's weight (or target capacity) moves with the
// training step. A schedule is a pure function of the step plus the step itself
// (the only state, saved in checkpoints). Specs, as apps pass --kl-schedule:
//   constant:W                 weight W (default 1)
//   linear:N[:W]               warm-up from 0 to W (default 1) over N steps, then W
//   cyclical:M:R:T[:W]         Fu et al. 2019: T steps in M cycles; in each cycle the weight
//                              rises linearly from 0 to W over the first proportion R, then stays W
//   capacity:CMAX:N:GAMMA      Burgess et al. 2018: C rises linearly from 0 to CMAX nats over
//                              N steps; loss = -recon + GAMMA |KL - C|
// and, after any of them, ",free-bits:LAMBDA" (Kingma et al. 2016) to floor each
// latent dimension's batch-mean KL at LAMBDA nats, e.g. "linear:10000,free-bits:0.25", or
// ",group-free-bits:LAMBDA" to floor each latent group's (a hierarchy's layer's) KL instead.
#include <cstdint>
#include <string>
#include <string_view>

#include "xgrad/models/common/elbo.hpp"

namespace xgrad::models {

class KlSchedule {
 public:
  enum class Kind { Constant, Linear, Cyclical, Capacity };

  /// constant:1.
  KlSchedule() = default;
  static KlSchedule constant(double weight = 1);
  static KlSchedule linear(std::int64_t warmup_steps, double max_weight = 1);
  static KlSchedule cyclical(int cycles, double proportion, std::int64_t total_steps, double max_weight = 1);
  static KlSchedule capacity(double c_max, std::int64_t steps, double gamma);
  /// Parses a spec (see above); throws core::ValueError naming the spec and what is wrong.
  static KlSchedule parse(std::string_view spec);
  /// Adds free bits (lambda nats per latent dimension) to the objective.
  KlSchedule& with_free_bits(double lambda);
  /// Adds free bits per latent group: each group's batch-mean KL floored at lambda nats.
  KlSchedule& with_group_free_bits(double lambda);

  Kind kind() const { return kind_; }
  /// The KL weight at `step` (Capacity: always 1, the KL is in gamma |KL - C|).
  double weight(std::int64_t step) const;
  /// The target capacity C at `step` (0 unless Capacity).
  double capacity(std::int64_t step) const;
  double gamma() const { return gamma_; }
  double free_bits() const { return free_bits_; }
  /// The objective to train with at `step` (pass it to the model's set_objective).
  ElboObjective objective(std::int64_t step) const;

  /// The schedule's own step counter, for callers that let it count.
  std::int64_t step() const { return step_; }
  void set_step(std::int64_t step) { step_ = step; }
  void advance() { ++step_; }
  double weight() const { return weight(step_); }
  double capacity() const { return capacity(step_); }
  ElboObjective objective() const { return objective(step_); }

  /// The spec that parse() turns back into this schedule.
  std::string spec() const;

 private:
  Kind kind_ = Kind::Constant;
  double max_weight_ = 1;
  std::int64_t steps_ = 0;  ///< warm-up (Linear), total (Cyclical), ramp (Capacity)
  int cycles_ = 1;
  double proportion_ = 0.5;
  double c_max_ = 0;
  double gamma_ = 1;
  double free_bits_ = 0;
  bool free_bits_per_group_ = false;
  std::int64_t step_ = 0;
};

}  // namespace xgrad::models
