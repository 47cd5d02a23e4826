#include "common/run_state.hpp"

#include <fmt/format.h>

#include <fstream>

#include "common/cli.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"
#include "xgrad/nn/train/non_finite.hpp"

namespace xgrad::apps {

void save_module_file(const std::string& path, const nn::Module& module, const std::string& kind,
                      const nlohmann::json& config) {
  nn::StateDict state = module.state_dict();
  if (const std::string bad = nn::first_non_finite(state); !bad.empty())
    throw nn::NonFiniteError(fmt::format("refusing to write {}: tensor '{}' holds NaN or Inf", path, bad));
  nn::TensorFile f;
  for (auto& [name, t] : state) f.tensors.emplace_back(name, std::move(t));
  f.metadata["xgrad.model"] = kind;
  f.metadata["config"] = config.dump();
  nn::save_safetensors(path, f);
}

void load_module_file(const std::string& path, nn::Module& module, const std::string& kind) {
  nn::TensorFile f = nn::load_safetensors(path);
  auto found = f.metadata.find("xgrad.model");
  if (found == f.metadata.end()) throw UsageError(fmt::format("{}: not an xgrad model file", path));
  if (found->second != kind) throw UsageError(fmt::format("{}: holds a '{}' model, not '{}'", path, found->second, kind));
  nn::StateDict state;
  for (auto& [name, any] : f.tensors) {
    auto* t = std::get_if<nn::Tensor>(&any);
    if (!t) throw UsageError(fmt::format("{}: tensor {} is not F32", path, name));
    state.emplace_back(name, std::move(*t));
  }
  if (const std::string bad = nn::first_non_finite(state); !bad.empty())
    throw UsageError(fmt::format("{}: tensor '{}' holds NaN or Inf; the file is damaged", path, bad));
  try {
    module.load_state_dict(state);
  } catch (const core::Error& e) {
    throw UsageError(fmt::format("{}: does not fit the configured model: {}", path, e.what()));
  }
}

std::vector<nlohmann::json> metrics_json(const std::vector<nn::MetricRow>& rows) {
  std::vector<nlohmann::json> out;
  for (const auto& row : rows) out.push_back(nlohmann::json::parse(nn::metric_row_json(row)));
  return out;
}

std::string metric_text(const nlohmann::json& value, double scale) {
  return value.is_number() ? fmt::format("{:.3f}", value.get<double>() * scale) : "not finite";
}

std::string last_metric_text(const std::vector<nlohmann::json>& rows, const std::string& key) {
  if (rows.empty() || !rows.back().contains(key)) return "none";
  return metric_text(rows.back()[key]);
}

}  // namespace xgrad::apps
