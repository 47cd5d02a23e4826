#include "xgrad/nn/optim/optimizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace xgrad::nn {

namespace {

// Splits "0.3.exp_avg" at its dots.
std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(key.substr(start, dot - start));
  parts.push_back(key.substr(start));
  return parts;
}

// A whole decimal number (no sign, no spaces), or false.
bool parse_index(const std::string& s, std::size_t& out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  std::set<const void*> seen;
  std::size_t count = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (!(groups_[g].lr >= 0)) throw core::ValueError(fmt::format("optimizer: group {} has lr {} < 0", g, groups_[g].lr));
    for (std::size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Var& p = groups_[g].params[i];
      if (!p.defined()) throw core::ValueError(fmt::format("optimizer: parameter {}.{} is undefined", g, i));
      if (!seen.insert(p.node().get()).second)
        throw core::ValueError(fmt::format("optimizer: parameter {}.{} appears more than once", g, i));
      ++count;
    }
  }
  if (count == 0) throw core::ValueError("optimizer: got no parameters");
}

void Optimizer::zero_grad() {
  for (auto& group : groups_)
    for (auto& p : group.params) p.zero_grad();
}

void Optimizer::set_lr(double lr) {
  if (!(lr >= 0)) throw core::ValueError(fmt::format("{}: lr {} < 0", name(), lr));
  for (auto& group : groups_) group.lr = lr;
}

Tensor& Optimizer::slot(std::size_t group, std::size_t index, const std::string& name) {
  std::lock_guard lock(*states_mu_);
  auto& slots = states_[{group, index}].slots;
  for (auto& [n, t] : slots)
    if (n == name) return t;
  slots.emplace_back(name, Tensor::zeros(groups_.at(group).params.at(index).shape()));
  return slots.back().second;
}

bool Optimizer::has_slot(std::size_t group, std::size_t index, const std::string& name) const {
  std::lock_guard lock(*states_mu_);
  const auto it = states_.find({group, index});
  if (it == states_.end()) return false;
  return std::any_of(it->second.slots.begin(), it->second.slots.end(), [&](const auto& s) { return s.first == name; });
}

std::int64_t& Optimizer::param_step(std::size_t group, std::size_t index) {
  std::lock_guard lock(*states_mu_);
  return states_[{group, index}].step;
}

void Optimizer::check_grads() const {
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t i = 0; i < groups_[g].params.size(); ++i) check_grad(g, i);
}

void Optimizer::check_grad(std::size_t group, std::size_t index) const {
  const Var& p = groups_.at(group).params.at(index);
  const Tensor& grad = p.grad();
  if (grad.defined() && grad.shape() != p.shape())
    throw core::ShapeError(fmt::format("{}: parameter {}.{} has shape {} but its gradient {}", name(), group, index,
                                       p.shape().str(), grad.shape().str()));
}

void Optimizer::step() {
  check_grads();
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t i = 0; i < groups_[g].params.size(); ++i)
      if (groups_[g].params[i].grad().defined()) update(g, i);
  ++steps_;
}

void Optimizer::step_param(std::size_t group, std::size_t index) {
  if (!steps_per_parameter())
    throw core::ValueError(fmt::format("{}: step_param is not supported; call step()", name()));
  check_grad(group, index);
  if (groups_[group].params[index].grad().defined()) update(group, index);
}

void Optimizer::update(std::size_t, std::size_t) {
  throw core::ValueError(fmt::format("{}: overrides neither step() nor update()", name()));
}

OptimizerState Optimizer::state() const {
  OptimizerState s;
  s.scalars["step"] = static_cast<double>(steps_);
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    s.scalars[fmt::format("{}.lr", g)] = groups_[g].lr;
    s.scalars[fmt::format("{}.params", g)] = static_cast<double>(groups_[g].params.size());
  }
  for (const auto& [key, ps] : states_) {
    const auto [g, i] = key;
    if (ps.step > 0) s.scalars[fmt::format("{}.{}.step", g, i)] = static_cast<double>(ps.step);
    for (const auto& [n, t] : ps.slots) s.tensors.emplace_back(fmt::format("{}.{}.{}", g, i, n), t);
  }
  return s;
}

void Optimizer::load_state(const OptimizerState& s) {
  const std::string who = fmt::format("{}.load_state", name());
  // Everything is checked and built aside first, so a bad state changes nothing.
  auto param_of = [&](const std::vector<std::string>& parts, const std::string& key) -> Key {
    std::size_t g = 0, i = 0;
    if (parts.size() != 3 || !parse_index(parts[0], g) || !parse_index(parts[1], i))
      throw core::ValueError(fmt::format("{}: unexpected key '{}'", who, key));
    if (g >= groups_.size() || i >= groups_[g].params.size())
      throw core::ValueError(fmt::format("{}: key '{}' names a parameter that does not exist", who, key));
    return {g, i};
  };
  auto whole = [&](double v, const std::string& key) {
    if (!(v >= 0) || v != static_cast<double>(static_cast<std::int64_t>(v)))
      throw core::ValueError(fmt::format("{}: '{}' is {}, not a count", who, key, v));
    return static_cast<std::int64_t>(v);
  };

  std::vector<double> lrs(groups_.size(), -1);
  std::int64_t steps = -1;
  std::map<Key, ParamState> states;
  for (const auto& [key, value] : s.scalars) {
    const auto parts = split_key(key);
    std::size_t g = 0;
    if (key == "step") {
      steps = whole(value, key);
    } else if (parts.size() == 2 && parse_index(parts[0], g) && (parts[1] == "lr" || parts[1] == "params")) {
      if (g >= groups_.size())
        throw core::ValueError(fmt::format("{}: key '{}' names group {} but there are {} groups", who, key, g,
                                           groups_.size()));
      if (parts[1] == "lr") {
        if (!(value >= 0)) throw core::ValueError(fmt::format("{}: '{}' is {} < 0", who, key, value));
        lrs[g] = value;
      } else if (whole(value, key) != static_cast<std::int64_t>(groups_[g].params.size())) {
        throw core::ValueError(fmt::format("{}: '{}' is {} but group {} has {} parameters", who, key, value, g,
                                           groups_[g].params.size()));
      }
    } else if (parts.size() == 3 && parts[2] == "step") {
      states[param_of(parts, key)].step = whole(value, key);
    } else {
      throw core::ValueError(fmt::format("{}: unexpected key '{}'", who, key));
    }
  }
  if (steps < 0) throw core::ValueError(fmt::format("{}: missing key 'step'", who));
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (lrs[g] < 0) throw core::ValueError(fmt::format("{}: missing key '{}.lr'", who, g));
    if (!s.scalars.count(fmt::format("{}.params", g)))
      throw core::ValueError(fmt::format("{}: missing key '{}.params'", who, g));
  }

  const auto names = slot_names();
  for (const auto& [key, t] : s.tensors) {
    const auto parts = split_key(key);
    const Key k = param_of(parts, key);
    if (std::find(names.begin(), names.end(), parts[2]) == names.end())
      throw core::ValueError(fmt::format("{}: unexpected key '{}' ({} keeps no '{}')", who, key, name(), parts[2]));
    const Shape& want = groups_[k.first].params[k.second].shape();
    if (t.shape() != want)
      throw core::ShapeError(fmt::format("{}: '{}' has shape {} but parameter {}.{} has shape {}", who, key,
                                         t.shape().str(), k.first, k.second, want.str()));
    auto& slots = states[k].slots;
    for (const auto& existing : slots)
      if (existing.first == parts[2]) throw core::ValueError(fmt::format("{}: key '{}' appears twice", who, key));
    slots.emplace_back(parts[2], t);
  }

  for (std::size_t g = 0; g < groups_.size(); ++g) groups_[g].lr = lrs[g];
  steps_ = steps;
  states_ = std::move(states);
}

}  // namespace xgrad::nn
