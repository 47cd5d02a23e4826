#pragma once
// The one training loop. A Trainer takes a Trainable (a module that says which
// optimizers it needs and what one step on a batch is) and owns everything else:
// it builds the optimizers from options, runs the budget (epochs, steps or
// minutes) over a seeded DataLoader, evaluates on a cadence, writes metrics.jsonl
// and checkpoint.safetensors into a run folder (atomically), resumes bit-for-bit
// (also mid-epoch), stops on request with a checkpoint, and stops with one line
// when a number turns NaN. Apps hang progress bars, pictures and model files on
// its callbacks (as PyTorch Lightning's), so any model — a user's own too — gets
// training, checkpoints and metrics without writing a loop.
//
//   MyModel model(gen);                                  // a Trainable
//   nn::Trainer trainer(model, gen, train_set, {.budget = {.epochs = 10}, .batch_size = 128, .dir = "run"});
//   trainer.fit();
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"
#include "xgrad/nn/distributed/data_parallel.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/train/non_finite.hpp"
#include "xgrad/nn/train/optimizers.hpp"

namespace xgrad::nn {

class DataLoader;

/// What a step sees of the run: the generator, how far training is, and the optimizers.
struct StepContext {
  core::Generator& gen;
  std::int64_t step;         ///< steps completed before this one (schedules are functions of it)
  std::int64_t total_steps;  ///< the run's planned steps; 0 under a time-only budget
  Module& module;
  Optimizers& optimizers;
  /// Data-parallel runs: averages the gradients over ranks before each optimizer step,
  /// weighting this rank's by `share`, its part of the batch's rows.
  distributed::DataParallel* parallel = nullptr;
  double share = 1;
  /// Data-parallel runs: this process's rows of the whole batch (total 0 in one process).
  /// A process with no rows steps on one stand-in row with share 0.
  core::Generator::RowShard rows{};

  /// The whole batch's rows of `own`, a tensor with a row per example of this process's
  /// part: every rank's rows in rank order (`own` itself in one process). For operations
  /// across the batch, such as a permutation of it. A collective: every rank calls it.
  Tensor whole_batch(const Tensor& own) const;
  /// This process's rows of `whole`, a tensor with a row per example of the whole batch.
  Tensor own_rows(const Tensor& whole) const;

  /// Forgets every gradient of the module, backpropagates `loss`, clips and steps optimizer
  /// `name` ("" = the first). Returns the loss's value. Models with phases call it once per phase.
  /// In one process it steps inside backward (Optimizers::backward_and_step: same bits).
  double minimize(const Var& loss, std::string_view name = "");
};

/// What a Trainer can train: a module, its optimizers, and one step.
class Trainable : public Module {
 public:
  /// The optimizers the steps use, built from the run's options: by default one
  /// optimizer over every parameter, named after its type ("adam").
  virtual std::vector<OptimizerSpec> optimizer_specs(const OptimizerOptions& options);
  /// One optimisation step on a batch (every phase, for multi-phase models), through
  /// ctx.minimize. Returns the step's figures by name; the first is the loss.
  virtual StepTerms training_step(const Batch& batch, StepContext& ctx) = 0;
};

struct Budget {
  std::int64_t epochs = 0;  ///< passes over the data (or:)
  std::int64_t steps = 0;   ///< optimisation steps; give epochs or steps, not both
  double minutes = 0;       ///< wall-clock limit (alone or with either of the above)
};

using MetricValue = std::variant<std::int64_t, double, std::string>;
/// One metrics.jsonl line: figures by name (written as a JSON object).
using MetricRow = std::vector<std::pair<std::string, MetricValue>>;
/// Sets `key` in `row` (replacing an earlier value).
void set_metric(MetricRow& row, const std::string& key, MetricValue value);
/// `row` as one JSON object on one line (no newline): how metrics.jsonl writes it.
std::string metric_row_json(const MetricRow& row);

/// Where a run is.
struct TrainState {
  std::int64_t step = 0;         ///< steps completed
  std::int64_t total_steps = 0;  ///< planned (0: time budget only)
  std::int64_t num_batches = 0;  ///< per epoch
  double seconds = 0;            ///< training wall time, over every session of the run
  double epoch_seconds = 0;      ///< since this session entered the current epoch
  std::int64_t epoch() const { return num_batches > 0 ? step / num_batches : 0; }
};

/// Per-term sums over the steps since the last evaluation, weighted by batch rows.
struct TermSums {
  std::map<std::string, double> sums;  ///< sum over steps of term * rows
  double rows = 0;
  /// Mean of `term` per row (0 before any step).
  double mean(const std::string& term) const;
};

/// Hooks for what a run shows and writes besides metrics and checkpoints.
class TrainerCallback {
 public:
  virtual ~TrainerCallback() = default;
  /// A pass over the data starts; `skipped` batches were done before a resume.
  virtual void on_epoch_begin(const TrainState& state, std::int64_t skipped) {}
  /// After each step: its terms, and the running sums since the last evaluation.
  virtual void on_step_end(const TrainState& state, const StepTerms& terms, const TermSums& running) {}
  /// Evaluation time: `row` holds step, epoch, seconds and the training means
  /// ("train_<term>"); add test figures or rewrite it.
  virtual void on_evaluate(const TrainState& state, const TermSums& train, MetricRow& row) {}
  /// After each evaluation and on a stop, before the checkpoint: write model files here.
  virtual void on_save(const TrainState& state) {}
};

struct TrainerOptions {
  Budget budget{};
  Index batch_size = 64;
  std::uint64_t seed = 0;  ///< the data order (a resume must use the same)
  bool prefetch = true;
  OptimizerOptions optimizer{};            ///< passed to Trainable::optimizer_specs
  std::int64_t eval_every_steps = 0;     ///< > 0: evaluate every N steps
  bool eval_every_epoch = false;         ///< evaluate at the end of each pass
  bool eval_at_end = true;               ///< evaluate when the budget is spent (if not just done)
  /// Run folder for metrics.jsonl and checkpoint.safetensors ("" = write nothing).
  std::string dir{};
  std::map<std::string, std::string> checkpoint_info{};  ///< free-form (model kind, options, version)
  const std::atomic<bool>* stop_flag = nullptr;        ///< polled between steps (e.g. set by SIGINT)
  std::int64_t stop_after_steps = 0;  ///< > 0: stop as if requested after this many steps of this session
  /// The ranks training together (null: distributed::world(), one process unless the
  /// program was launched by mpirun). With several, each trains on its part of every
  /// batch (batch_size is the whole batch), gradients and step figures are averaged,
  /// and only rank 0 calls the callbacks and writes the run folder.
  distributed::Communicator* comm = nullptr;
  distributed::DataParallelOptions data_parallel{};
};

class Trainer {
 public:
  /// Builds the optimizers from model.optimizer_specs(options.optimizer). `gen` (the
  /// generator that drew the model's weights) drives every step and is checkpointed.
  /// `data` is what fit() trains on, in a shuffled order seeded by options.seed (null:
  /// steps by hand only). Throws ValueError for a bad budget or batch size.
  Trainer(Trainable& model, core::Generator& gen, std::shared_ptr<const Dataset> data, TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void add_callback(TrainerCallback& callback) { callbacks_.push_back(&callback); }

  /// Continues from a checkpoint: model, optimizers (same names in the same order),
  /// generator, step, running sums and time. `source` names it in errors (ValueError).
  /// Rows of dir/metrics.jsonl past the checkpoint's step are dropped.
  void resume(const Checkpoint& checkpoint, const std::string& source);
  /// resume() from dir/checkpoint.safetensors; ValueError when there is none.
  void resume();

  enum class Outcome { Finished, Stopped };
  /// Trains until the budget is spent (Finished) or a stop is requested (Stopped,
  /// after saving and checkpointing). Throws NonFiniteError on NaN/Inf.
  Outcome fit();

  /// One step outside fit (benchmarks, hand-written loops): terms checked and summed.
  StepTerms step(const Batch& batch);

  const TrainState& state() const { return state_; }
  Optimizers& optimizers() { return optimizers_; }
  /// Every metrics row so far, this session's and the resumed run's.
  const std::vector<MetricRow>& metrics() const { return metrics_; }
  /// The gradient reductions of a data-parallel run (null in one process).
  const distributed::DataParallel* data_parallel() const { return parallel_.get(); }
  std::string checkpoint_path() const;
  /// The checkpoint of this moment (what resume() takes).
  Checkpoint checkpoint() const;

 private:
  bool budget_spent() const;
  void evaluate();
  void save();
  double elapsed() const;
  bool leader() const { return comm_->rank() == 0; }
  /// Every callback on rank 0, none on the others.
  const std::vector<TrainerCallback*>& active_callbacks() const;
  StepTerms parallel_step(const Batch& batch, StepContext& ctx, double& batch_rows);
  /// Rank 0's generator state everywhere (after callbacks that drew from it on rank 0 only).
  void sync_generator();

  Trainable& model_;
  core::Generator& gen_;
  std::shared_ptr<const Dataset> data_;
  std::unique_ptr<DataLoader> loader_;
  TrainerOptions options_;
  distributed::Communicator* comm_;
  std::unique_ptr<distributed::DataParallel> parallel_;
  bool any_stop_ = false, any_time_up_ = false;  ///< agreed by every rank after each step
  Optimizers optimizers_;
  std::vector<TrainerCallback*> callbacks_;
  TrainState state_;
  TermSums sums_;
  std::vector<MetricRow> metrics_;
  std::int64_t last_eval_step_ = -1;
  double seconds_before_ = 0;
  std::chrono::steady_clock::time_point session_start_, epoch_start_;
};

}  // namespace xgrad::nn
