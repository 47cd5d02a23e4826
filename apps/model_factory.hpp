#pragma once
// The model registry: a kind string ("vae", "cvae", ...) and a few options make
// a GenerativeModel. The options travel as JSON in config.json, model
// files and checkpoints, so any run directory can rebuild its model.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgrad/models/common/generative_model.hpp"

namespace xgrad::apps {

struct ModelConfig {
  std::string kind = "vae";
  std::int64_t latent = 20;
  double lr = 1e-3;
  double beta = 4.0;         ///< beta-VAE's KL weight
  double capacity = 0.0;     ///< beta-VAE: target KL in nats (Burgess et al.); 0 = plain beta weighting
  std::string kl_schedule;   ///< a KlSchedule spec; empty = the model's default
};

nlohmann::json to_json(const ModelConfig& c);
/// Throws UsageError naming the field when `j` is not a model config.
ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source);

/// The kinds make_model knows, in the order help texts list them.
std::vector<std::string> model_kinds();
/// Throws UsageError "unknown model 'x' (choose from ...)".
void check_model_kind(const std::string& kind);

/// A built model and what the harness must know about it.
struct BuiltModel {
  std::shared_ptr<models::GenerativeModel> model;
  bool conditional = false;  ///< needs labels to decode/sample
  bool flat_input = true;    ///< takes x as (B, 784); otherwise (B, 1, 28, 28)
  /// Called before every training step with the global step and the run's total steps
  /// (KL schedules; the AAE's two-stage rates).
  std::function<void(std::int64_t step, std::int64_t total_steps)> before_step;
};

BuiltModel make_model(const ModelConfig& config, core::Generator& gen);

}  // namespace xgrad::apps
