#pragma once
// Training checkpoints: everything a run needs to continue exactly where it
// stopped — model tensors, each optimizer's state, progress counters, the random
// generator's state and free-form information (model kind, options) — in ONE
// safetensors file, written atomically. Tensors are stored as "model.<name>" and
// "optim.<optimizer>.<key>"; everything else goes in the header's __metadata__
// as JSON strings, so any safetensors reader can open the file.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/optim/optimizer.hpp"

namespace xgrad::nn {

struct Checkpoint {
  StateDict model;
  std::vector<std::pair<std::string, OptimizerState>> optimizers;  ///< by optimizer name, in order
  std::map<std::string, double> progress;                           ///< epoch, step, schedule state...
  core::Generator::State rng;
  std::map<std::string, std::string> info;  ///< model kind, options (JSON), version...
};

/// The checkpoint as a safetensors TensorFile / as bytes.
std::string encode_checkpoint(const Checkpoint& ckpt);
/// Parses and validates; `source` names the bytes in the one-line DataError.
Checkpoint decode_checkpoint(std::string_view bytes, const std::string& source);

/// Writes atomically: a crash leaves the previous checkpoint intact.
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);
/// Throws DataError ("checkpoint: PATH: ...") for a missing, truncated or malformed file.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace xgrad::nn
