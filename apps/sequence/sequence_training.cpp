#include "sequence/sequence_training.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>

#include "common/cli.hpp"
#include "common/progress.hpp"
#include "common/run_folder.hpp"
#include "common/run_state.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::apps {

SequenceTrainSettings start_sequence_run(const CommonOptions& common, SequenceTrainSettings s,
                                         const std::string& command, const std::string& default_out,
                                         std::int64_t default_steps) {
  apply_common_options(common);
  s.seed = common.seed;
  s.out = common.out.empty() ? default_out : common.out;
  s.out_note = default_out_note(common, s.out);
  s.command = command;
  if (s.steps == 0 && s.epochs == 0 && s.minutes == 0) s.steps = default_steps;
  return s;
}

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::shared_ptr<const nn::Dataset> borrowed(const nn::Dataset& d) {
  return {&d, [](const nn::Dataset*) {}};
}

}  // namespace

models::EvalSums evaluate_sequences(models::GenerativeModel& model, const nn::Dataset& data, core::Generator& gen,
                                    core::Index batch) {
  model.eval();
  autograd::NoGradGuard no_grad;
  nn::DataLoader loader(borrowed(data), {.batch_size = batch, .shuffle = false, .prefetch = false});
  models::EvalSums sums;
  for (const nn::Batch& b : loader) sums += model.evaluate(b, gen);
  model.train();
  return sums;
}

double iwae_sum(models::GenerativeModel& model, const nn::Dataset& data, int k, core::Generator& gen, core::Index batch) {
  model.eval();
  autograd::NoGradGuard no_grad;
  // k copies of each row run together, so the batch shrinks with k.
  const core::Index rows = std::max<core::Index>(1, batch / std::max(1, k / 4));
  nn::DataLoader loader(borrowed(data), {.batch_size = rows, .shuffle = false, .prefetch = false});
  double sum = 0;
  for (const nn::Batch& b : loader)
    for (float v : model.iwae_log_likelihood(b, k, gen)) sum += v;
  model.train();
  return sum;
}

namespace {

/// What a sequence run shows and writes besides the trainer's metrics and checkpoints:
/// one progress bar, validation figures per step (bits per character for text), the model file.
class SequenceRun : public nn::TrainerCallback {
 public:
  SequenceRun(const SequenceTrainSettings& s, const SequenceData& data, BuiltModel& built, const ModelConfig& config,
              std::int64_t target, std::int64_t start_step, double start_seconds)
      : s_(s), data_(data), built_(built), config_(config), by_time_(target == 0),
        bar_(by_time_ ? "train (time)" : "train", by_time_ ? static_cast<std::int64_t>(s.minutes * 60) : target,
             by_time_ ? "s" : "step") {
    shown_ = by_time_ ? static_cast<std::int64_t>(start_seconds) : start_step;
    bar_.skip(shown_);
  }
  void on_step_end(const nn::TrainState& state, const nn::StepTerms&, const nn::TermSums& running) override {
    const std::int64_t now = by_time_ ? static_cast<std::int64_t>(state.seconds) : state.step;
    const double L = static_cast<double>(data_.steps_per_row);
    bar_.tick(now - shown_, fmt::format("{}{} {:.3f}{}", by_time_ ? fmt::format("step {}  ", state.step) : "", unit(),
                                        running.rows > 0 ? running.mean("neg_elbo") / L * to_unit() : 0.0, last_val_));
    shown_ = now;
  }
  void on_evaluate(const nn::TrainState& state, const nn::TermSums& train, nn::MetricRow& row) override {
    core::Generator eval_gen(s_.seed * 1000003ULL + static_cast<std::uint64_t>(state.step));
    const models::EvalSums ev = evaluate_sequences(*built_.model, *data_.validation, eval_gen);
    const double L = static_cast<double>(data_.steps_per_row);
    row = {{"step", state.step}, {"epoch", static_cast<double>(state.step) / static_cast<double>(state.num_batches)},
           {"seconds", state.seconds}};
    if (train.rows > 0) put_per_step(row, "train", train.sums.at("neg_elbo"), train.sums.at("kl"), train.rows * L);
    put_per_step(row, "val", ev.neg_elbo, ev.kl, static_cast<double>(ev.count) * L);
    last_val_ = fmt::format("  val {:.3f}", ev.neg_elbo / (static_cast<double>(ev.count) * L) * to_unit());
  }
  void on_save(const nn::TrainState&) override {
    save_module_file(s_.out + "/model.safetensors", *built_.model, config_.kind, to_json(config_));
  }
  void finish(const std::string& what) { bar_.finish(what); }
  /// The run's last validation, from its metrics: a session that evaluated nothing (a
  /// resume whose budget was already spent) still has the rows its checkpoint carried.
  std::string summary(std::int64_t steps, const std::vector<json>& metrics) const {
    const auto last = std::find_if(metrics.rbegin(), metrics.rend(), [](const json& r) { return r.contains("val_nats_per_step"); });
    if (last == metrics.rend()) return fmt::format("{} steps", steps);
    return fmt::format("{} steps, val {} {}", steps, metric_text((*last)["val_nats_per_step"], to_unit()), unit());
  }

 private:
  bool text() const { return s_.model.text; }
  const char* unit() const { return text() ? "bits/char" : "nats/step"; }
  double to_unit() const { return text() ? 1 / std::log(2.0) : 1.0; }
  /// Per-step figures of a sum over rows of steps_per_row steps each: nats and, for text, bits.
  void put_per_step(nn::MetricRow& row, const std::string& prefix, double neg_elbo, double kl, double steps) const {
    row.emplace_back(prefix + "_nats_per_step", neg_elbo / steps);
    row.emplace_back(prefix + "_kl_per_step", kl / steps);
    if (text()) row.emplace_back(prefix + "_bits_per_char", neg_elbo / steps / std::log(2.0));
  }

  const SequenceTrainSettings& s_;
  const SequenceData& data_;
  BuiltModel& built_;
  const ModelConfig& config_;
  bool by_time_;
  Progress bar_;
  std::int64_t shown_ = 0;
  std::string last_val_;
};

/// UsageError for a budget that is negative, double (--steps and --epochs) or missing, or a bad size.
void check_budget(const SequenceTrainSettings& s) {
  if (s.steps < 0) throw UsageError(fmt::format("--steps must be >= 0 (got {})", s.steps));
  if (s.epochs < 0) throw UsageError(fmt::format("--epochs must be >= 0 (got {})", s.epochs));
  if (s.minutes < 0) throw UsageError(fmt::format("--minutes must be >= 0 (got {})", s.minutes));
  if (s.steps > 0 && s.epochs > 0) throw UsageError("give --steps or --epochs, not both");
  require_positive("--batch", static_cast<double>(s.batch));
  require_positive("--eval-every", static_cast<double>(s.eval_every));
  if (s.steps == 0 && s.epochs == 0 && s.minutes <= 0) throw UsageError("give --steps, --epochs or --minutes");
}

/// The model of a run: the checkpoint's when resuming (it must be of the same command), else the flags'.
ModelConfig run_model_config(const SequenceTrainSettings& s, const std::string& ckpt_path,
                             std::optional<nn::Checkpoint>& ckpt) {
  ModelConfig config = sequence_model_config(s.model);
  if (s.resume) {
    ckpt = read_resume_checkpoint(ckpt_path);
    const auto cfg = ckpt->info.find("config");
    if (ckpt->info.count("command") == 0 || ckpt->info.at("command") != s.command || cfg == ckpt->info.end())
      throw UsageError(fmt::format("{} was not written by xgrad {}", ckpt_path, s.command));
    config = model_config_from_json(json::parse(cfg->second, nullptr, false), ckpt_path);
  }
  return config;
}

nn::TrainerOptions trainer_options(const SequenceTrainSettings& s, const BuiltModel& built, const ModelConfig& config) {
  return {.budget = {.epochs = s.epochs, .steps = s.steps, .minutes = s.minutes},
          .batch_size = s.batch,
          .seed = s.seed,
          .optimizer = built.optimizer,
          .eval_every_steps = s.eval_every,
          .eval_at_end = true,
          .dir = s.out,
          .checkpoint_info = {{"command", s.command}, {"config", to_json(config).dump()}, {"version", XGRAD_VERSION}},
          .stop_flag = &g_stop_requested};
}

/// OUT/config.json: how the run was made, from which load_sequence_run rebuilds its model.
void write_run_config(const SequenceTrainSettings& s, const ModelConfig& mc, const models::GenerativeModel& model) {
  json config = {{"command", s.command},     {"model", to_json(mc)},  {"data", s.data_info},
                 {"batch", s.batch},         {"steps", s.steps},      {"epochs", s.epochs},
                 {"minutes", s.minutes},     {"seed", s.seed},        {"eval_every", s.eval_every},
                 {"version", XGRAD_VERSION}, {"parameters", model.parameter_count()},
                 {"describe", model.describe()}};
  nn::write_file_atomic(s.out + "/config.json", config.dump(2) + "\n");
}

}  // namespace

SequenceTrainResult train_sequence_run(const SequenceTrainSettings& s, const SequenceData& data) {
  check_budget(s);
  const auto folder = hold_run_folder(s.out);  // held until the run ends; a failed run leaves no empty folder
  const std::string ckpt_path = s.out + "/checkpoint.safetensors";

  SequenceTrainResult r;
  std::optional<nn::Checkpoint> ckpt;
  r.config = run_model_config(s, ckpt_path, ckpt);

  core::Generator gen(s.seed);
  r.model = make_model(r.config, gen);
  models::GenerativeModel& model = *r.model.model;
  nn::Trainer trainer(model, gen, data.train, trainer_options(s, r.model, r.config));
  if (ckpt) trainer.resume(*ckpt, ckpt_path);
  if (is_leader()) write_run_config(s, r.config, model);

  if (!s.out_note.empty() && is_leader()) fmt::print(stderr, "{}\n", s.out_note);
  SequenceRun run(s, data, r.model, r.config, trainer.state().total_steps, trainer.state().step, trainer.state().seconds);
  trainer.add_callback(run);
  const nn::Trainer::Outcome outcome = trainer.fit();
  if (outcome == nn::Trainer::Outcome::Stopped) {
    if (is_leader()) run.finish("interrupted");
    throw Interrupted(fmt::format("interrupted; checkpoint written to {} (continue with --resume)", ckpt_path));
  }
  r.metrics = metrics_json(trainer.metrics());
  r.steps = trainer.state().step;
  r.seconds = trainer.state().seconds;
  if (is_leader()) run.finish(run.summary(r.steps, r.metrics));
  model.eval();
  return r;
}

LoadedSequenceRun load_sequence_run(const std::string& dir, const std::string& command) {
  const std::string cfg_path = dir + "/config.json";
  if (!fs::is_directory(dir)) throw UsageError(fmt::format("run directory {} does not exist", dir));
  if (!fs::exists(cfg_path)) throw UsageError(fmt::format("{} is not a training run (no config.json)", dir));
  LoadedSequenceRun run;
  run.config = json::parse(nn::read_file_bytes(cfg_path, "config"), nullptr, false);
  if (run.config.is_discarded() || !run.config.is_object() || !run.config.contains("model"))
    throw UsageError(fmt::format("{}: malformed config (not a JSON object with \"model\")", cfg_path));
  if (run.config.value("command", std::string()) != command)
    throw UsageError(fmt::format("{} was not written by xgrad {} (it is a '{}' run)", dir, command,
                                 run.config.value("command", std::string("train"))));
  run.model_config = model_config_from_json(run.config["model"], cfg_path);
  core::Generator gen(0);
  run.model = make_model(run.model_config, gen);
  load_module_file(dir + "/model.safetensors", *run.model.model, run.model_config.kind);
  run.model.model->eval();
  return run;
}

}  // namespace xgrad::apps
