#pragma once
// The parts of a run directory every training command shares, whatever it trains:
// checkpoints of a module and its optimizers (captured and restored with clear
// errors) and metrics.jsonl (one JSON object a line).
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/optim/optimizer.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"

namespace xgrad::apps {

using NamedOptimizers = std::vector<std::pair<std::string, nn::Optimizer*>>;

/// The module's tensors, its optimizers' states, `progress`, the generator and `info`.
nn::Checkpoint capture_checkpoint(const nn::Module& module, const NamedOptimizers& optimizers,
                                  std::map<std::string, double> progress, const core::Generator& gen,
                                  std::map<std::string, std::string> info);
/// Loads the module and optimizer states of `ckpt` (read from `path`, named in errors);
/// throws UsageError when they do not fit. The generator and progress are the caller's.
void restore_checkpoint(const nn::Checkpoint& ckpt, const std::string& path, nn::Module& module,
                        const NamedOptimizers& optimizers);

/// model.safetensors: the module's state_dict, with `kind` and `config` in the metadata, atomically.
void save_module_file(const std::string& path, const nn::Module& module, const std::string& kind,
                      const nlohmann::json& config);
/// Loads a file written by save_module_file into `module`; UsageError when it holds
/// another kind, a non-F32 tensor or tensors that do not fit.
void load_module_file(const std::string& path, nn::Module& module, const std::string& kind);

/// One line per object, each ending in a newline.
std::string json_lines(const std::vector<nlohmann::json>& rows);
/// The objects of a metrics.jsonl (none when the file is missing) that `keep` accepts.
std::vector<nlohmann::json> read_json_lines(const std::string& path,
                                            const std::function<bool(const nlohmann::json&)>& keep);

}  // namespace xgrad::apps
