#include "xgrad/nn/optim/schedule.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace xgrad::nn {

LrSchedule::LrSchedule(Optimizer& optimizer) : optimizer_(optimizer) {
  for (const auto& group : optimizer.groups()) base_lrs_.push_back(group.lr);
}

void LrSchedule::step() {
  ++step_;
  apply();
}

void LrSchedule::apply() {
  auto& groups = optimizer_.groups();
  if (groups.size() != base_lrs_.size())
    throw core::ValueError(fmt::format("lr schedule: the optimizer has {} groups but the schedule was made for {}",
                                       groups.size(), base_lrs_.size()));
  for (std::size_t g = 0; g < groups.size(); ++g) groups[g].lr = lr_at(base_lrs_[g], step_);
}

std::map<std::string, double> LrSchedule::state() const {
  std::map<std::string, double> s{{"step", static_cast<double>(step_)}};
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) s[fmt::format("{}.base_lr", g)] = base_lrs_[g];
  return s;
}

void LrSchedule::load_state(const std::map<std::string, double>& s) {
  auto need = [&](const std::string& key) {
    const auto it = s.find(key);
    if (it == s.end()) throw core::ValueError(fmt::format("lr schedule load_state: missing key '{}'", key));
    return it->second;
  };
  const double step = need("step");
  if (!(step >= 0) || step != std::floor(step))
    throw core::ValueError(fmt::format("lr schedule load_state: 'step' is {}, not a count", step));
  std::vector<double> base(base_lrs_.size());
  for (std::size_t g = 0; g < base.size(); ++g) base[g] = need(fmt::format("{}.base_lr", g));
  // Every key must be one of those read above: more means a schedule made for more groups.
  if (s.size() != base.size() + 1)
    for (const auto& [key, value] : s) {
      bool known = key == "step";
      for (std::size_t g = 0; g < base.size() && !known; ++g) known = key == fmt::format("{}.base_lr", g);
      if (!known) throw core::ValueError(fmt::format("lr schedule load_state: unexpected key '{}'", key));
    }
  base_lrs_ = std::move(base);
  step_ = static_cast<std::int64_t>(step);
  apply();
}

StepLR::StepLR(Optimizer& optimizer, StepLROptions options) : LrSchedule(optimizer), options_(options) {
  if (options.step_size <= 0) throw core::ValueError(fmt::format("StepLR: step_size {} must be > 0", options.step_size));
  apply();
}

double StepLR::lr_at(double base, std::int64_t t) const {
  return base * std::pow(options_.gamma, static_cast<double>(t / options_.step_size));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions options)
    : LrSchedule(optimizer), options_(options) {
  apply();
}

double ExponentialLR::lr_at(double base, std::int64_t t) const {
  return base * std::pow(options_.gamma, static_cast<double>(t));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options)
    : LrSchedule(optimizer), options_(options) {
  if (options.t_max <= 0)
    throw core::ValueError(fmt::format("CosineAnnealingLR: t_max {} must be > 0", options.t_max));
  apply();
}

double CosineAnnealingLR::lr_at(double base, std::int64_t t) const {
  const double phase = std::numbers::pi * static_cast<double>(t) / static_cast<double>(options_.t_max);
  return options_.eta_min + (base - options_.eta_min) * (1 + std::cos(phase)) / 2;
}

LinearWarmup::LinearWarmup(Optimizer& optimizer, LinearWarmupOptions options, std::unique_ptr<LrSchedule> then)
    : LrSchedule(optimizer), options_(options), then_(std::move(then)) {
  if (options.steps <= 0) throw core::ValueError(fmt::format("LinearWarmup: steps {} must be > 0", options.steps));
  if (!(options.start_factor > 0 && options.start_factor <= 1))
    throw core::ValueError(fmt::format("LinearWarmup: start_factor {} must be in (0, 1]", options.start_factor));
  if (then_) {
    if (&then_->optimizer() != &optimizer)
      throw core::ValueError("LinearWarmup: the chained schedule drives a different optimizer");
    // `then` already set its own t = 0 lrs on the optimizer; its bases are the real ones.
    adopt_base_lrs(*then_);
  }
  apply();
}

double LinearWarmup::lr_at(double base, std::int64_t t) const {
  if (t >= options_.steps) return then_ ? then_->lr_at(base, t - options_.steps) : base;
  const double s = options_.start_factor;
  return base * (s + (1 - s) * static_cast<double>(t) / static_cast<double>(options_.steps));
}

}  // namespace xgrad::nn
