#include "common/model_factory.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <variant>

#include "common/cli.hpp"

namespace xgrad::apps {

using nlohmann::json;

namespace {

const models::ModelRegistry& registry() { return models::ModelRegistry::global(); }

}  // namespace

json to_json(const ModelConfig& c) {
  json j = {{"kind", c.kind}};
  for (const auto& [k, v] : c.options) std::visit([&, &k = k](const auto& x) { j[k] = x; }, v);
  return j;
}

ModelConfig model_config_from_json(const json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    throw UsageError(fmt::format("{}: missing model option \"kind\"", source));
  models::ModelOptions given;
  for (const auto& [k, v] : j.items()) {
    if (k == "kind") continue;
    if (v.is_boolean()) given[k] = v.get<bool>();
    else if (v.is_number_integer()) given[k] = v.get<std::int64_t>();
    else if (v.is_number()) given[k] = v.get<double>();
    else if (v.is_string()) given[k] = v.get<std::string>();
    else throw UsageError(fmt::format("{}: model option \"{}\" has the wrong type", source, k));
  }
  const std::string kind = j["kind"].get<std::string>();
  try {
    return ModelConfig{kind, registry().complete(kind, given, /*strict=*/false)};
  } catch (const core::Error& e) {
    throw UsageError(fmt::format("{}: {}", source, e.what()));
  }
}

ModelConfig model_config(const std::string& kind, const models::ModelOptions& given) {
  return ModelConfig{kind, registry().complete(kind, given)};
}

std::int64_t class_count(const ModelConfig& config) {
  return config.options.count("classes") ? models::option<std::int64_t>(config.options, "classes") : 10;
}

BuiltModel make_model(const ModelConfig& c, core::Generator& gen) {
  const models::ModelEntry& entry = registry().at(c.kind);
  models::BuiltModel m = entry.make(c.options, gen);
  return BuiltModel{.model = std::move(m.model), .caps = entry.caps, .optimizer = m.optimizer,
                    .flat_input = true};
}

void require_kind(const std::string& kind, const KindFilter& keep) {
  if (!registry().contains(kind) || !keep(registry().at(kind).caps))
    throw UsageError(fmt::format("unknown model '{}' (choose from {})", kind, kinds_list(keep)));
}

std::string kinds_list(const std::function<bool(const models::ModelCapabilities&)>& keep) {
  return fmt::format("{}", fmt::join(registry().kinds(keep), ", "));
}

std::string batch_help(const KindFilter& keep) {
  std::string own;
  for (const std::string& kind : registry().kinds(keep))
    if (const std::int64_t b = registry().at(kind).batch; b != models::kDefaultBatch) own += fmt::format("; {} {}", kind, b);
  return fmt::format("Batch size (default {}{})", models::kDefaultBatch, own);
}

std::string defaults_help(const std::string& option, const models::OptionValue& common, const KindFilter& keep) {
  const auto show = [](const models::OptionValue& v) {
    if (const auto* text = std::get_if<std::string>(&v); text && text->empty()) return std::string("''");
    return std::visit([](const auto& x) { return fmt::format("{}", x); }, v);
  };
  std::string text = "default " + show(common);
  for (const std::string& kind : registry().kinds(keep)) {
    const models::ModelOptions& d = registry().at(kind).defaults;
    const auto it = d.find(option);
    if (it != d.end() && it->second != common) text += fmt::format("; {} {}", kind, show(it->second));
  }
  return text;
}

}  // namespace xgrad::apps
