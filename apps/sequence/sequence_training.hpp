#pragma once
// Training of a sequence model (`xgrad text train`, `xgrad series train`) into a run
// directory: a step budget (--steps, --epochs or --minutes of wall time), a progress
// bar, metrics.jsonl with training and validation per-step negative ELBO (and bits
// per character for text) and KL per step, config.json, model.safetensors and a
// checkpoint that --resume continues from exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sequence/sequence_model.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::apps {

struct SequenceData {
  std::shared_ptr<const nn::Dataset> train, validation;
  core::Index steps_per_row = 0;  ///< scored steps in each row (sequence length or window)
};

struct SequenceTrainSettings {
  SequenceModelConfig model;
  std::int64_t steps = 0;  ///< stop after this many steps (0: not this way)
  int epochs = 0;          ///< stop after this many passes over the training rows (0: not this way)
  double minutes = 0;      ///< stop after this much training time (0: no limit)
  std::int64_t batch = 32;
  std::int64_t eval_every = 200;  ///< validation (and a checkpoint) every N steps
  std::uint64_t seed = 1;
  std::string out;
  std::string out_note;  ///< said on stderr once the run starts ("no --out given: ...")
  bool resume = false;
  std::string command;       ///< "text train" or "series train", for config.json
  nlohmann::json data_info;  ///< how the data was made (corpus, column, normalisation...), for config.json
};

struct CommonOptions;
/// Applies the common flags (threads) and completes `train` for `command` ("text train"):
/// the seed, --out (`default_out` when not given, and a note saying so) and, without any
/// budget, `default_steps` steps.
SequenceTrainSettings start_sequence_run(const CommonOptions& common, SequenceTrainSettings train,
                                         const std::string& command, const std::string& default_out,
                                         std::int64_t default_steps);

struct SequenceTrainResult {
  BuiltModel model;
  ModelConfig config;
  std::vector<nlohmann::json> metrics;
  std::int64_t steps = 0;
  double seconds = 0;  ///< training time, over resumed sessions too
};

/// Trains into settings.out; throws Interrupted after writing a checkpoint on SIGINT/SIGTERM.
SequenceTrainResult train_sequence_run(const SequenceTrainSettings& settings, const SequenceData& data);

/// Sums of the model's terms over `data` (no graph), batch by batch.
models::EvalSums evaluate_sequences(models::GenerativeModel& model, const nn::Dataset& data, core::Generator& gen,
                                    core::Index batch = 64);
/// Sum over rows of the importance-weighted bound with k samples (nats).
double iwae_sum(models::GenerativeModel& model, const nn::Dataset& data, int k, core::Generator& gen,
                core::Index batch = 64);

/// A run directory read back: config.json and the model in it.
struct LoadedSequenceRun {
  nlohmann::json config;
  ModelConfig model_config;
  BuiltModel model;
};
/// `command` ("text train" / "series train") must be the one that wrote the run.
LoadedSequenceRun load_sequence_run(const std::string& dir, const std::string& command);

}  // namespace xgrad::apps
