#include "xgrad/nn/train/optimizers.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <unordered_map>

#include "xgrad/core/task_group.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/clip.hpp"
#include "xgrad/nn/optim/rmsprop.hpp"
#include "xgrad/nn/optim/sgd.hpp"

namespace xgrad::nn {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == sep)
      parts.emplace_back();
    else
      parts.back().push_back(c);
  }
  return parts;
}

double number(const std::string& field, const std::string& spec) {
  double v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (field.empty() || ec != std::errc() || end != field.data() + field.size() || !std::isfinite(v))
    throw core::ValueError(fmt::format("lr schedule '{}': '{}' is not a number", spec, field));
  return v;
}

std::int64_t count(const std::string& field, const std::string& spec) {
  const double v = number(field, spec);
  if (v < 1 || v != std::floor(v) || v > 4e18) throw core::ValueError(fmt::format("lr schedule '{}': '{}' is not a positive whole number", spec, field));
  return static_cast<std::int64_t>(v);
}

}  // namespace

OptimizerSpec single_optimizer(std::vector<Var> params, const OptimizerOptions& options) {
  return {options.type, {ParamGroup{std::move(params), options.lr}}, options};
}

std::unique_ptr<Optimizer> make_optimizer(std::vector<ParamGroup> groups, const OptimizerOptions& o) {
  if (!(o.lr >= 0)) throw core::ValueError(fmt::format("optimizer: lr must be >= 0 (got {})", o.lr));
  if (!(o.clip_norm >= 0)) throw core::ValueError(fmt::format("optimizer: clip_norm must be >= 0 (got {})", o.clip_norm));
  if (o.type == "adam")
    return std::make_unique<Adam>(std::move(groups), AdamOptions{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2,
                                                                 .eps = o.eps, .weight_decay = o.weight_decay});
  if (o.type == "adamw")
    return std::make_unique<AdamW>(std::move(groups), AdamWOptions{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2,
                                                                   .eps = o.eps, .weight_decay = o.weight_decay});
  if (o.type == "sgd")
    return std::make_unique<SGD>(std::move(groups), SGDOptions{.lr = o.lr, .momentum = o.momentum,
                                                               .weight_decay = o.weight_decay, .nesterov = o.nesterov});
  if (o.type == "rmsprop")
    return std::make_unique<RMSprop>(std::move(groups), RMSpropOptions{.lr = o.lr, .alpha = o.alpha, .eps = o.eps,
                                                                       .weight_decay = o.weight_decay,
                                                                       .momentum = o.momentum});
  throw core::ValueError(fmt::format("unknown optimizer '{}' (choose from adam, adamw, sgd, rmsprop)", o.type));
}

std::unique_ptr<LrSchedule> make_lr_schedule(Optimizer& optimizer, const std::string& spec) {
  if (spec.empty()) return nullptr;
  const std::vector<std::string> f = split(spec, ':');
  const std::string& kind = f[0];
  auto need = [&](std::size_t lo, std::size_t hi) {
    if (f.size() - 1 < lo || f.size() - 1 > hi)
      throw core::ValueError(fmt::format("lr schedule '{}': {} takes {} to {} values", spec, kind, lo, hi));
  };
  if (kind == "step") {
    need(2, 2);
    return std::make_unique<StepLR>(optimizer, StepLROptions{count(f[1], spec), number(f[2], spec)});
  }
  if (kind == "exp") {
    need(1, 1);
    return std::make_unique<ExponentialLR>(optimizer, ExponentialLROptions{number(f[1], spec)});
  }
  if (kind == "cosine") {
    need(1, 2);
    return std::make_unique<CosineAnnealingLR>(
        optimizer, CosineAnnealingLROptions{count(f[1], spec), f.size() > 2 ? number(f[2], spec) : 0.0});
  }
  if (kind == "warmup") {
    need(1, 2);
    return std::make_unique<LinearWarmup>(
        optimizer, LinearWarmupOptions{count(f[1], spec), f.size() > 2 ? number(f[2], spec) : 0.1});
  }
  throw core::ValueError(fmt::format("unknown lr schedule '{}' (choose from step:N:GAMMA, exp:GAMMA, "
                                     "cosine:T[:MIN], warmup:N[:START])", spec));
}

struct Optimizers::Entry {
  std::string name;
  OptimizerOptions options;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  std::vector<Var> params;  ///< every group's, in order: what clipping measures
};

Optimizers::Optimizers(std::vector<OptimizerSpec> specs) {
  for (OptimizerSpec& s : specs) {
    if (s.name.empty() || s.name.find('.') != std::string::npos)
      throw core::ValueError(fmt::format("optimizer name '{}' must be non-empty and without dots", s.name));
    for (const auto& e : entries_)
      if (e->name == s.name) throw core::ValueError(fmt::format("two optimizers are named '{}'", s.name));
    auto e = std::make_unique<Entry>();
    e->name = s.name;
    e->options = s.options;
    for (const ParamGroup& g : s.groups) e->params.insert(e->params.end(), g.params.begin(), g.params.end());
    e->optimizer = make_optimizer(std::move(s.groups), s.options);
    e->schedule = make_lr_schedule(*e->optimizer, s.options.lr_schedule);
    entries_.push_back(std::move(e));
  }
}

Optimizers::Optimizers(Optimizers&&) noexcept = default;
Optimizers& Optimizers::operator=(Optimizers&&) noexcept = default;
Optimizers::~Optimizers() = default;

Optimizers::Entry& Optimizers::entry(std::string_view name) {
  if (entries_.empty()) throw core::ValueError("no optimizers");
  if (name.empty()) return *entries_.front();
  std::string known;
  for (auto& e : entries_) {
    if (e->name == name) return *e;
    known += (known.empty() ? "" : ", ") + e->name;
  }
  throw core::ValueError(fmt::format("no optimizer named '{}' (the model has {})", name, known));
}

Optimizer& Optimizers::at(std::string_view name) { return *entry(name).optimizer; }

std::vector<std::pair<std::string, Optimizer*>> Optimizers::named() const {
  std::vector<std::pair<std::string, Optimizer*>> out;
  for (const auto& e : entries_) out.emplace_back(e->name, e->optimizer.get());
  return out;
}

void Optimizers::step(std::string_view name) {
  Entry& e = entry(name);
  if (e.options.clip_norm > 0) clip_grad_norm_(e.params, e.options.clip_norm);
  e.optimizer->step();
  if (e.schedule) e.schedule->step();
}

bool Optimizers::steps_in_backward(std::string_view name) {
  const Entry& e = entry(name);
  return step_in_backward_ && e.optimizer->steps_per_parameter() && !(e.options.clip_norm > 0);
}

void Optimizers::backward_and_step(const Var& loss, std::string_view name) {
  if (!steps_in_backward(name)) {
    loss.backward();
    return step(name);
  }
  Entry& e = entry(name);
  Optimizer& opt = *e.optimizer;
  // Each parameter's place in the optimizer, found by its node.
  std::unordered_map<const void*, std::pair<std::size_t, std::size_t>> where;
  std::vector<std::vector<bool>> stepped(opt.groups().size());
  for (std::size_t g = 0; g < opt.groups().size(); ++g) {
    stepped[g].assign(opt.groups()[g].params.size(), false);
    for (std::size_t i = 0; i < opt.groups()[g].params.size(); ++i) where[opt.groups()[g].params[i].node().get()] = {g, i};
  }
  core::TaskGroup updates;
  loss.backward(false, [&](const Var& leaf) {
    const auto it = where.find(leaf.node().get());
    if (it == where.end()) return;  // another optimizer's, or no parameter: it only accumulates
    const auto [g, i] = it->second;
    updates.run([&opt, g = g, i = i] { opt.step_param(g, i); });
    stepped[g][i] = true;
  });
  updates.wait();
  // A gradient the backward did not reach (left by the caller) is stepped as step() would.
  for (std::size_t g = 0; g < stepped.size(); ++g)
    for (std::size_t i = 0; i < stepped[g].size(); ++i)
      if (!stepped[g][i]) opt.step_param(g, i);
  opt.finish_step();
  if (e.schedule) e.schedule->step();
}

std::map<std::string, double> Optimizers::schedule_state() const {
  std::map<std::string, double> out;
  for (const auto& e : entries_)
    if (e->schedule)
      for (const auto& [k, v] : e->schedule->state()) out[e->name + "." + k] = v;
  return out;
}

void Optimizers::load_schedule_state(const std::map<std::string, double>& state) {
  for (auto& e : entries_) {
    if (!e->schedule) continue;
    std::map<std::string, double> mine;
    const std::string prefix = e->name + ".";
    for (const auto& [k, v] : state)
      if (k.rfind(prefix, 0) == 0) mine[k.substr(prefix.size())] = v;
    e->schedule->load_state(mine);
  }
}

}  // namespace xgrad::nn
