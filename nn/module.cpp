#include "xgrad/nn/module.hpp"

#include <fmt/format.h>

#include <set>

namespace xgrad::nn {

namespace {
void check_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw core::ValueError(fmt::format("register_{}: name '{}' must be non-empty and contain no '.'", what, name));
}
}  // namespace

Var& Module::register_parameter(std::string name, Tensor value, bool requires_grad) {
  check_name(name, "parameter");
  for (auto& [n, v] : params_)
    if (n == name) throw core::ValueError(fmt::format("register_parameter: '{}' is already registered", name));
  params_.emplace_back(std::move(name), Var(std::move(value), requires_grad));
  return params_.back().second;
}

Var& Module::register_buffer(std::string name, Tensor value) {
  check_name(name, "buffer");
  for (auto& [n, v] : buffers_)
    if (n == name) throw core::ValueError(fmt::format("register_buffer: '{}' is already registered", name));
  buffers_.emplace_back(std::move(name), Var(std::move(value), false));
  return buffers_.back().second;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_name(name, "module");
  if (!module) throw core::ValueError(fmt::format("register_module: '{}' is null", name));
  for (auto& [n, m] : children_)
    if (n == name) throw core::ValueError(fmt::format("register_module: '{}' is already registered", name));
  children_.emplace_back(std::move(name), std::move(module));
}

void Module::walk(const std::string& prefix,
                  const std::function<void(const std::string&, const Module&)>& visit) const {
  visit(prefix, *this);
  for (const auto& [name, child] : children_) child->walk(prefix + name + ".", visit);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out;
  walk("", [&](const std::string& prefix, const Module& m) {
    for (const auto& [n, v] : m.params_) out.emplace_back(prefix + n, v);
  });
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [n, v] : named_parameters()) out.push_back(v);
  return out;
}

std::vector<std::pair<std::string, Var>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Var>> out;
  walk("", [&](const std::string& prefix, const Module& m) {
    for (const auto& [n, v] : m.buffers_) out.emplace_back(prefix + n, v);
  });
  return out;
}

Index Module::parameter_count() const {
  Index n = 0;
  for (auto& [name, v] : named_parameters()) n += v.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& [n, v] : named_parameters()) v.zero_grad();
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [n, v] : named_parameters()) out.emplace_back(n, v.value());
  for (auto& [n, v] : named_buffers()) out.emplace_back(n, v.value());
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  auto targets = named_parameters();
  for (auto& b : named_buffers()) targets.push_back(b);
  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : state) {
    if (!given.emplace(n, &t).second) throw core::ValueError(fmt::format("load_state_dict: key '{}' appears twice", n));
  }
  // Validate everything first, so a failed load changes nothing.
  std::set<std::string> known;
  for (auto& [n, v] : targets) {
    known.insert(n);
    auto it = given.find(n);
    if (it == given.end()) {
      if (strict) throw core::ValueError(fmt::format("load_state_dict: missing key '{}' (shape {})", n, v.shape().str()));
      continue;
    }
    if (it->second->shape() != v.shape())
      throw core::ShapeError(fmt::format("load_state_dict: key '{}' has shape {} in the state but {} in the module", n,
                                         it->second->shape().str(), v.shape().str()));
  }
  if (strict)
    for (const auto& [n, t] : state)
      if (!known.count(n)) throw core::ValueError(fmt::format("load_state_dict: unexpected key '{}'", n));
  for (auto& [n, v] : targets) {
    auto it = given.find(n);
    if (it != given.end()) v.value_mut() = *it->second;
  }
}

std::string Module::to_string(int indent) const {
  std::string s = describe();
  for (const auto& [name, child] : children_)
    s += "\n" + std::string(static_cast<std::size_t>(indent + 2), ' ') + name + ": " + child->to_string(indent + 2);
  return s;
}

}  // namespace xgrad::nn
