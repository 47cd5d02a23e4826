#include "run_state.hpp"

#include <fmt/format.h>

#include <fstream>

#include "cli.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"
#include "xgrad/nn/train/non_finite.hpp"

namespace xgrad::apps {

nn::Checkpoint capture_checkpoint(const nn::Module& module, const NamedOptimizers& optimizers,
                                  std::map<std::string, double> progress, const core::Generator& gen,
                                  std::map<std::string, std::string> info) {
  nn::Checkpoint c;
  c.model = module.state_dict();
  for (const auto& [name, opt] : optimizers) c.optimizers.emplace_back(name, opt->state());
  c.progress = std::move(progress);
  c.rng = gen.state();
  c.info = std::move(info);
  return c;
}

void restore_checkpoint(const nn::Checkpoint& ckpt, const std::string& path, nn::Module& module,
                        const NamedOptimizers& optimizers) {
  try {
    module.load_state_dict(ckpt.model);
    if (optimizers.size() != ckpt.optimizers.size())
      throw UsageError(fmt::format("{}: holds {} optimizer states, the model has {}", path, ckpt.optimizers.size(),
                                   optimizers.size()));
    for (std::size_t i = 0; i < optimizers.size(); ++i) {
      if (optimizers[i].first != ckpt.optimizers[i].first)
        throw UsageError(fmt::format("{}: optimizer '{}' where '{}' was expected", path, ckpt.optimizers[i].first,
                                     optimizers[i].first));
      optimizers[i].second->load_state(ckpt.optimizers[i].second);
    }
  } catch (const UsageError&) {
    throw;
  } catch (const core::Error& e) {
    throw UsageError(fmt::format("{}: does not fit the model: {}", path, e.what()));
  }
}

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

std::string json_lines(const std::vector<nlohmann::json>& rows) {
  std::string s;
  for (const auto& r : rows) s += r.dump() + "\n";
  return s;
}

std::vector<nlohmann::json> read_json_lines(const std::string& path,
                                            const std::function<bool(const nlohmann::json&)>& keep) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && keep(j)) rows.push_back(std::move(j));
  }
  return rows;
}

}  // namespace xgrad::apps
