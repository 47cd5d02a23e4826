#include "xgrad/models/common/kl_schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "xgrad/core/error.hpp"

namespace xgrad::models {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw core::ValueError(fmt::format(
      "bad KL schedule \"{}\": {} (expected constant:W, linear:N[:W], cyclical:M:R:T[:W] or capacity:CMAX:N:GAMMA, "
      "optionally followed by ,free-bits:LAMBDA or ,group-free-bits:LAMBDA)",
      spec, why));
}

double number(std::string_view spec, std::string_view field, const char* what) {
  double v = 0;
  const auto* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, v);
  if (field.empty() || ec != std::errc() || ptr != end || !std::isfinite(v))
    bad(spec, fmt::format("{} \"{}\" is not a number", what, field));
  return v;
}

std::int64_t count(std::string_view spec, std::string_view field, const char* what) {
  const double v = number(spec, field, what);
  if (v < 1 || v != std::floor(v)) bad(spec, fmt::format("{} must be a positive integer, got {}", what, field));
  return static_cast<std::int64_t>(v);
}

void check(bool ok, const std::string& why) {
  if (!ok) throw core::ValueError("KlSchedule: " + why);
}

}  // namespace

KlSchedule KlSchedule::constant(double weight) {
  check(weight >= 0, fmt::format("the weight must be >= 0, got {}", weight));
  KlSchedule s;
  s.max_weight_ = weight;
  return s;
}

KlSchedule KlSchedule::linear(std::int64_t warmup_steps, double max_weight) {
  check(warmup_steps >= 1, fmt::format("the warm-up must last at least one step, got {}", warmup_steps));
  KlSchedule s = constant(max_weight);
  s.kind_ = Kind::Linear;
  s.steps_ = warmup_steps;
  return s;
}

KlSchedule KlSchedule::cyclical(int cycles, double proportion, std::int64_t total_steps, double max_weight) {
  check(cycles >= 1, fmt::format("cyclical needs at least one cycle, got {}", cycles));
  check(proportion > 0 && proportion <= 1, fmt::format("cyclical's proportion R must be in (0, 1], got {}", proportion));
  check(total_steps >= cycles, fmt::format("cyclical's {} steps cannot hold {} cycles", total_steps, cycles));
  KlSchedule s = constant(max_weight);
  s.kind_ = Kind::Cyclical;
  s.cycles_ = cycles;
  s.proportion_ = proportion;
  s.steps_ = total_steps;
  return s;
}

KlSchedule KlSchedule::capacity(double c_max, std::int64_t steps, double gamma) {
  check(c_max >= 0, fmt::format("the capacity must be >= 0, got {}", c_max));
  check(steps >= 1, fmt::format("the capacity ramp must last at least one step, got {}", steps));
  check(gamma > 0, fmt::format("gamma must be > 0, got {}", gamma));
  KlSchedule s;
  s.kind_ = Kind::Capacity;
  s.c_max_ = c_max;
  s.steps_ = steps;
  s.gamma_ = gamma;
  return s;
}

KlSchedule& KlSchedule::with_free_bits(double lambda) {
  check(lambda >= 0, fmt::format("free bits must be >= 0, got {}", lambda));
  free_bits_ = lambda;
  return *this;
}

KlSchedule& KlSchedule::with_group_free_bits(double lambda) {
  with_free_bits(lambda);
  free_bits_per_group_ = true;
  return *this;
}

KlSchedule KlSchedule::parse(std::string_view spec) {
  const auto parts = split(spec, ',');
  if (parts.size() > 2) bad(spec, "more than one ',' modifier");
  const auto f = split(parts[0], ':');
  const auto n = f.size();
  const auto want = [&](std::size_t lo, std::size_t hi) {
    if (n - 1 < lo || n - 1 > hi)
      bad(spec, fmt::format("{} takes {} argument{}, got {}", f[0], lo == hi ? fmt::format("{}", lo)
                                                                           : fmt::format("{} to {}", lo, hi),
                            hi == 1 ? "" : "s", n - 1));
  };
  KlSchedule s;
  try {
    if (f[0] == "constant") {
      want(0, 1);
      s = constant(n > 1 ? number(spec, f[1], "the weight") : 1.0);
    } else if (f[0] == "linear") {
      want(1, 2);
      s = linear(count(spec, f[1], "the warm-up steps N"), n > 2 ? number(spec, f[2], "the weight") : 1.0);
    } else if (f[0] == "cyclical") {
      want(3, 4);
      s = cyclical(static_cast<int>(count(spec, f[1], "the cycles M")), number(spec, f[2], "the proportion R"),
                   count(spec, f[3], "the total steps T"), n > 4 ? number(spec, f[4], "the weight") : 1.0);
    } else if (f[0] == "capacity") {
      want(3, 3);
      s = capacity(number(spec, f[1], "CMAX"), count(spec, f[2], "the ramp steps N"), number(spec, f[3], "GAMMA"));
    } else {
      bad(spec, fmt::format("unknown schedule \"{}\"", f[0]));
    }
    if (parts.size() == 2) {
      const auto m = split(parts[1], ':');
      if (m.size() != 2 || (m[0] != "free-bits" && m[0] != "group-free-bits"))
        bad(spec, fmt::format("unknown modifier \"{}\"", parts[1]));
      if (m[0] == "free-bits") s.with_free_bits(number(spec, m[1], "LAMBDA"));
      else s.with_group_free_bits(number(spec, m[1], "LAMBDA"));
    }
  } catch (const core::ValueError& e) {
    const std::string what = e.what();
    if (what.rfind("bad KL schedule", 0) == 0) throw;
    bad(spec, what.substr(what.find(':') + 2));
  }
  return s;
}

double KlSchedule::weight(std::int64_t step) const {
  step = std::max<std::int64_t>(step, 0);
  switch (kind_) {
    case Kind::Constant:
      return max_weight_;
    case Kind::Linear:
      return max_weight_ * std::min(1.0, static_cast<double>(step) / static_cast<double>(steps_));
    case Kind::Cyclical: {
      // Fu et al. 2019, eq. (4): tau = mod(t, ceil(T / M)) / (T / M); beta = tau / R while tau <= R, else 1.
      const double period = static_cast<double>(steps_) / cycles_;
      const auto len = static_cast<std::int64_t>(std::ceil(period));
      const double tau = static_cast<double>(step % len) / period;
      return max_weight_ * std::min(1.0, tau / proportion_);
    }
    case Kind::Capacity:
      return 1.0;
  }
  return max_weight_;
}

double KlSchedule::capacity(std::int64_t step) const {
  if (kind_ != Kind::Capacity) return 0;
  step = std::max<std::int64_t>(step, 0);
  return c_max_ * std::min(1.0, static_cast<double>(step) / static_cast<double>(steps_));
}

ElboObjective KlSchedule::objective(std::int64_t step) const {
  if (kind_ == Kind::Capacity) return ElboObjective::with_capacity(gamma_, capacity(step));
  if (free_bits_ > 0 && free_bits_per_group_) return ElboObjective::with_group_free_bits(free_bits_, weight(step));
  if (free_bits_ > 0) return ElboObjective::with_free_bits(free_bits_, weight(step));
  return ElboObjective::elbo(weight(step));
}

std::string KlSchedule::spec() const {
  std::string s;
  switch (kind_) {
    case Kind::Constant:
      s = fmt::format("constant:{}", max_weight_);
      break;
    case Kind::Linear:
      s = fmt::format("linear:{}:{}", steps_, max_weight_);
      break;
    case Kind::Cyclical:
      s = fmt::format("cyclical:{}:{}:{}:{}", cycles_, proportion_, steps_, max_weight_);
      break;
    case Kind::Capacity:
      s = fmt::format("capacity:{}:{}:{}", c_max_, steps_, gamma_);
      break;
  }
  if (free_bits_ > 0) s += fmt::format(",{}:{}", free_bits_per_group_ ? "group-free-bits" : "free-bits", free_bits_);
  return s;
}

}  // namespace xgrad::models
