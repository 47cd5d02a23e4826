#pragma once
// The harness: trains and evaluates any GenerativeModel on the data of --data (datasets.hpp)
// through DataLoader, writes a run directory (metrics.jsonl, config.json,
// model.safetensors, checkpoint.safetensors, samples.png, reconstructions.png)
// and reads one back.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/model_factory.hpp"
#include "image/datasets.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::apps {

/// Sums of the model's terms over a dataset, in eval mode, batch by batch.
models::EvalSums evaluate_dataset(models::GenerativeModel& model, const nn::Dataset& data, std::int64_t batch,
                                  core::Generator& gen);

struct TrainSettings {
  std::string kind = "vae";
  models::ModelOptions options;  ///< the options given (the kind's defaults fill the rest)
  DataOptions data;
  int epochs = 10;
  std::optional<std::int64_t> batch;  ///< unset: the kind's (models::ModelEntry::batch)
  std::uint64_t seed = 1;
  std::string out;
  std::string out_note;  ///< said on stderr once the run starts ("no --out given: ...")
  bool resume = false;
  bool quiet = false;  ///< no progress bar (compare runs several models)
  /// Behave as if SIGINT arrived after this many steps of this invocation (0: never);
  /// lets tests interrupt at an exact batch, mid-epoch, without racing a signal.
  std::int64_t stop_after_steps = 0;
};

struct TrainResult {
  ModelConfig config;
  BuiltModel built;
  std::vector<nlohmann::json> metrics;  ///< one object per epoch
};

/// Trains into settings.out through nn::Trainer. Throws Interrupted (after writing a
/// checkpoint) when g_stop_requested is set between batches.
TrainResult train_run(const TrainSettings& settings);

/// A trained run directory read back: its config and model (in eval mode).
struct LoadedRun {
  nlohmann::json config;
  ModelConfig model_config;
  DataOptions data;
  BuiltModel built;
};
LoadedRun load_run(const std::string& dir);
/// load_run for a command that draws pictures: a run trained on rows of a CSV is refused
/// with one line naming `command` (rows are not images).
LoadedRun load_image_run(const std::string& dir, const std::string& command);

/// Writes model.safetensors (the state_dict, with kind and options in the metadata), atomically.
void save_model_file(const std::string& path, const BuiltModel& built, const ModelConfig& config);
/// Loads a model file into `built`, checking that it was written for the same kind.
void load_model_file(const std::string& path, BuiltModel& built, const ModelConfig& config);

/// The images (N, 784) of the first n rows of `data` and their labels.
nn::Batch first_rows(const nn::Dataset& data, std::int64_t n);
/// (N, 784) or (N, 1, 28, 28) to (N, 784), for image grids.
core::Tensor<float> flat_images(const core::Tensor<float>& x);

}  // namespace xgrad::apps
