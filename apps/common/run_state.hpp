#pragma once
// The parts of a run directory every command shares, whatever it trains: model
// files (a module's tensors with its kind and options), and the trainer's metrics
// rows as JSON. Checkpoints and metrics.jsonl are nn::Trainer's.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgrad/nn/module.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::apps {

/// model.safetensors: the module's state_dict, with `kind` and `config` in the metadata, atomically.
void save_module_file(const std::string& path, const nn::Module& module, const std::string& kind,
                      const nlohmann::json& config);
/// Loads a file written by save_module_file into `module`; UsageError when it holds
/// another kind, a non-F32 tensor or tensors that do not fit.
void load_module_file(const std::string& path, nn::Module& module, const std::string& kind);

/// The trainer's metrics rows as JSON objects.
std::vector<nlohmann::json> metrics_json(const std::vector<nn::MetricRow>& rows);

/// A metric's value times `scale` with 3 decimals, for a command's closing line: "not
/// finite" where the row holds null (JSON has no inf or NaN: a test row with an extreme
/// value gives an infinite loss).
std::string metric_text(const nlohmann::json& value, double scale = 1);
/// metric_text of the last row's `key`; "none" where there is no row or no such key.
std::string last_metric_text(const std::vector<nlohmann::json>& rows, const std::string& key);

}  // namespace xgrad::apps
