#pragma once
// Learning-rate schedules. A schedule remembers each group's starting ("base") lr
// and, after t calls of step(), sets the group's lr to lr_at(base, t); it sets the
// t = 0 value when constructed, like torch.optim.lr_scheduler. Call step() after
// the optimizer's step(). Closed forms of PyTorch 1.13's schedules:
//   StepLR            base * gamma^floor(t / step_size)
//   ExponentialLR     base * gamma^t
//   CosineAnnealingLR eta_min + (base - eta_min) (1 + cos(pi t / t_max)) / 2
//   LinearWarmup      base * (start_factor + (1 - start_factor) t / steps) for t < steps,
//                     then base, or the chained schedule at t - steps.
// A schedule refers to its optimizer, which must outlive it.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/nn/optim/optimizer.hpp"

namespace xgrad::nn {

class LrSchedule {
 public:
  explicit LrSchedule(Optimizer& optimizer);
  virtual ~LrSchedule() = default;
  LrSchedule(const LrSchedule&) = delete;
  LrSchedule& operator=(const LrSchedule&) = delete;

  /// Advances one step and sets every group's lr.
  void step();
  /// Steps taken so far (t).
  std::int64_t last_step() const { return step_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  /// The lr of a group that started at `base`, after `t` steps.
  virtual double lr_at(double base, std::int64_t t) const = 0;

  /// {"step": t, "0.base_lr": ..., "1.base_lr": ...}.
  std::map<std::string, double> state() const;
  /// Restores a state() and sets the lrs it implies; throws ValueError naming a
  /// missing or unexpected key (and changes nothing then).
  void load_state(const std::map<std::string, double>& s);

 protected:
  /// Sets every group's lr for the current step (subclass constructors call it:
  /// lr_at is not available in the base constructor).
  void apply();
  /// Takes the base lrs from `first` instead of the optimizer (for chaining).
  void adopt_base_lrs(const LrSchedule& first) { base_lrs_ = first.base_lrs_; }

 private:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::int64_t step_ = 0;
};

struct StepLROptions {
  std::int64_t step_size = 1;  ///< steps between decays (> 0)
  double gamma = 0.1;
};

/// Multiplies the lr by gamma every step_size steps.
class StepLR : public LrSchedule {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);
  double lr_at(double base, std::int64_t t) const override;

 private:
  StepLROptions options_;
};

struct ExponentialLROptions {
  double gamma = 0.99;
};

/// Multiplies the lr by gamma every step.
class ExponentialLR : public LrSchedule {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);
  double lr_at(double base, std::int64_t t) const override;

 private:
  ExponentialLROptions options_;
};

struct CosineAnnealingLROptions {
  std::int64_t t_max = 1;  ///< steps from base down to eta_min (> 0); the curve then rises again
  double eta_min = 0;
};

/// Follows half a cosine from the base lr down to eta_min over t_max steps.
class CosineAnnealingLR : public LrSchedule {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);
  double lr_at(double base, std::int64_t t) const override;

 private:
  CosineAnnealingLROptions options_;
};

struct LinearWarmupOptions {
  std::int64_t steps = 1;     ///< warm-up length (> 0)
  double start_factor = 0.1;  ///< lr = base * start_factor at t = 0 (in (0, 1])
};

/// Rises linearly from base * start_factor to base over `steps` steps, then stays
/// at base or hands over to `then` (whose step 0 is this schedule's step `steps`).
/// `then` must drive the same optimizer; build it first: it records the base lrs.
class LinearWarmup : public LrSchedule {
 public:
  LinearWarmup(Optimizer& optimizer, LinearWarmupOptions options, std::unique_ptr<LrSchedule> then = nullptr);
  double lr_at(double base, std::int64_t t) const override;

 private:
  LinearWarmupOptions options_;
  std::unique_ptr<LrSchedule> then_;
};

}  // namespace xgrad::nn
