#pragma once
// Run configs over the model registry: a kind and its options, as the JSON object
// that config.json, model files and checkpoints carry ({"kind": "vae", "latent": 20,
// ...}), so any run directory rebuilds its model. Nothing here knows a kind: what a
// model has and can do comes from models::ModelRegistry.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgrad/models/common/registry.hpp"

namespace xgrad::apps {

struct ModelConfig {
  std::string kind = "vae";
  models::ModelOptions options;  ///< complete: every option of the kind
};

/// {"kind": ..., options...}.
nlohmann::json to_json(const ModelConfig& c);
/// Reads a stored config (options the kind no longer has are dropped); UsageError naming
/// `source` and the field when it is not one.
ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source);
/// The kind's defaults with `given` applied; UsageError for an unknown kind or option.
ModelConfig model_config(const std::string& kind, const models::ModelOptions& given);

/// The labels a conditional model takes (0 .. n-1): its "classes" option, 10 (Fashion-MNIST's)
/// for a kind without one.
std::int64_t class_count(const ModelConfig& config);

/// A built model and what the programs must know about it.
struct BuiltModel {
  std::shared_ptr<models::GenerativeModel> model;
  models::ModelCapabilities caps;
  nn::OptimizerOptions optimizer;
  bool flat_input = true;    ///< takes x as (B, 784); otherwise (B, 1, 28, 28)
};

/// UsageError for a bad option value.
BuiltModel make_model(const ModelConfig& config, core::Generator& gen);

using KindFilter = std::function<bool(const models::ModelCapabilities&)>;
/// UsageError "unknown model 'x' (choose from ...)" unless `kind` is registered and passes `keep`.
void require_kind(const std::string& kind, const KindFilter& keep);
/// The registered kinds with `caps` passing `keep`, joined by ", " (for help texts).
std::string kinds_list(const std::function<bool(const models::ModelCapabilities&)>& keep);
/// The help text of --batch: "Batch size (default 128; hvae 64)", naming the kinds with their own.
std::string batch_help(const KindFilter& keep);
/// "default COMMON; KIND VALUE; ..." naming each kind passing `keep` whose default of `option`
/// is not `common` ("default 0.001; hvae 0.002"): read from the registry, so that help texts
/// cannot go stale. `common` must have the option's type (an int64 20 is not a double 20).
std::string defaults_help(const std::string& option, const models::OptionValue& common, const KindFilter& keep);

}  // namespace xgrad::apps
