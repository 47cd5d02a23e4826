#include "xgrad/models/common/registry.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace xgrad::models {

namespace {

const char* type_name(const OptionValue& v) {
  static constexpr const char* names[] = {"a flag", "a whole number", "a number", "text"};
  return names[v.index()];
}

}  // namespace

ModelRegistry& ModelRegistry::global() {
  static ModelRegistry registry = [] {
    ModelRegistry r;
    register_builtin_models(r);
    return r;
  }();
  return registry;
}

void ModelRegistry::add(ModelEntry entry) {
  if (entry.kind.empty() || !entry.make) throw core::ValueError("ModelRegistry: an entry needs a kind and a factory");
  // The trainer runs every kind's optimizer, so every kind with a learning rate also takes
  // its schedule; '' keeps the rate constant (the kinds' measured defaults, hvae's aside).
  if (entry.defaults.count("lr") && !entry.defaults.count("lr_schedule")) entry.defaults["lr_schedule"] = std::string();
  for (auto& e : entries_)
    if (e.kind == entry.kind) return void(e = std::move(entry));
  entries_.push_back(std::move(entry));
}

bool ModelRegistry::contains(const std::string& kind) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const ModelEntry& e) { return e.kind == kind; });
}

const ModelEntry& ModelRegistry::at(const std::string& kind) const {
  for (const auto& e : entries_)
    if (e.kind == kind) return e;
  std::string known;
  for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.kind;
  throw core::ValueError(fmt::format("unknown model '{}' (choose from {})", kind, known));
}

std::vector<std::string> ModelRegistry::kinds(const std::function<bool(const ModelCapabilities&)>& keep) const {
  std::vector<std::string> out;
  for (const auto& e : entries_)
    if (!keep || keep(e.caps)) out.push_back(e.kind);
  return out;
}

ModelOptions ModelRegistry::complete(const std::string& kind, const ModelOptions& given, bool strict) const {
  const ModelEntry& e = at(kind);
  ModelOptions out = e.defaults;
  for (const auto& [name, value] : given) {
    const auto it = out.find(name);
    if (it == out.end()) {
      if (strict) throw core::ValueError(fmt::format("model '{}' has no option '{}'", kind, name));
      continue;
    }
    if (it->second.index() == value.index())
      it->second = value;
    else if (std::holds_alternative<double>(it->second) && std::holds_alternative<std::int64_t>(value))
      it->second = static_cast<double>(std::get<std::int64_t>(value));
    else
      throw core::ValueError(fmt::format("model '{}': option '{}' must be {}, not {}", kind, name,
                                         type_name(it->second), type_name(value)));
  }
  return out;
}

BuiltModel ModelRegistry::make(const std::string& kind, const ModelOptions& given, core::Generator& gen) const {
  return at(kind).make(complete(kind, given), gen);
}

template <class T>
T option(const ModelOptions& options, const std::string& name) {
  const auto it = options.find(name);
  if (it == options.end()) throw core::ValueError(fmt::format("missing model option '{}'", name));
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  throw core::ValueError(fmt::format("model option '{}' has the wrong type ({})", name, type_name(it->second)));
}

template bool option<bool>(const ModelOptions&, const std::string&);
template std::int64_t option<std::int64_t>(const ModelOptions&, const std::string&);
template double option<double>(const ModelOptions&, const std::string&);
template std::string option<std::string>(const ModelOptions&, const std::string&);

}  // namespace xgrad::models
