#pragma once
// The harness: trains and evaluates any GenerativeModel on Fashion-MNIST
// through DataLoader, writes a run directory (metrics.jsonl, config.json,
// model.safetensors, checkpoint.safetensors, samples.png, reconstructions.png)
// and reads one back.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/model_factory.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::apps {

struct DataOptions {
  /// A Fashion-MNIST directory, or "dsprites": the generated dSprites (nn/data/dsprites.hpp),
  /// whose training set is `limit` combinations drawn at random (0: all 737,280) and whose test
  /// set `test_limit` others (0: 10,000), drawn from the same 737,280 (there is no held-out split).
  std::string dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t limit = 0;       ///< use only the first N training images (0 = all)
  std::int64_t test_limit = 0;  ///< use only the first N test images (0 = all)
  bool flatten = true;
  std::vector<core::Index> classes;  ///< train only on these labels (empty: all), e.g. the normal classes of `anomaly`
  std::int64_t per_class = 0;        ///< train only on the first N rows of each label (0: all)
};

struct Datasets {
  std::shared_ptr<const nn::Dataset> train, test;
};

/// Throws UsageError for a missing directory, DataError for malformed files.
Datasets load_fashion_mnist(const DataOptions& options);
/// The data of --data: Fashion-MNIST, or the generated dSprites; the training rows kept by
/// --classes and --per-class.
Datasets load_datasets(const DataOptions& options);
/// --data dsprites.
bool is_dsprites(const std::string& dir);
/// The whole test split (or its first `limit` rows); dSprites' test sample.
std::shared_ptr<const nn::Dataset> load_test_set(const std::string& dir, std::int64_t limit, bool flatten);

/// Sums of the model's terms over a dataset, in eval mode, batch by batch.
models::EvalSums evaluate_dataset(models::GenerativeModel& model, const nn::Dataset& data, std::int64_t batch,
                                  core::Generator& gen);

struct TrainSettings {
  std::string kind = "vae";
  models::ModelOptions options;  ///< the options given (the kind's defaults fill the rest)
  DataOptions data;
  int epochs = 10;
  std::int64_t batch = 128;
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

/// Writes model.safetensors (the state_dict, with kind and options in the metadata), atomically.
void save_model_file(const std::string& path, const BuiltModel& built, const ModelConfig& config);
/// Loads a model file into `built`, checking that it was written for the same kind.
void load_model_file(const std::string& path, BuiltModel& built, const ModelConfig& config);

/// The images (N, 784) of the first n rows of `data` and their labels.
nn::Batch first_rows(const nn::Dataset& data, std::int64_t n);
/// (N, 784) or (N, 1, 28, 28) to (N, 784), for image grids.
core::Tensor<float> flat_images(const core::Tensor<float>& x);

}  // namespace xgrad::apps
