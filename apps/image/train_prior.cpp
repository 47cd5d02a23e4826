// xgrad train-prior RUN: fits the autoregressive prior over a code model's latents
// (the run's: a PixelCNN or a causal Transformer over the VQ-VAE's 7x7 code grids) on the
// training set's codes, and
// writes RUN/prior.safetensors (atomically); its trainer's metrics and checkpoint
// go to RUN/prior/. `xgrad sample RUN` then draws from it.
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/cli.hpp"
#include "common/progress.hpp"
#include "common/run_folder.hpp"
#include "common/run_state.hpp"
#include "image/code_prior.hpp"
#include "image/commands.hpp"
#include "image/harness.hpp"

namespace xgrad::apps {

namespace {

struct TrainPriorFlags {
  std::string run;
  CommonOptions common;
  int epochs = 10;
  std::int64_t batch = 64;
  double lr = 1e-3;
  std::string lr_schedule;
  std::int64_t limit = 0;
  std::int64_t test_limit = 0;
  bool resume = false;
  bool warm_start = false;  ///< start from RUN/prior.safetensors with a fresh optimizer and schedule
  bool epochs_given = false;  ///< with --resume: train on to this many epochs in all
  std::int64_t stop_after_steps = 0;
};

/// What a resumed prior must train with to continue bit for bit: the interrupted run's
/// options, kept in its checkpoint.
std::map<std::string, std::string> prior_info(const TrainPriorFlags& o, const std::string& kind) {
  return {{"kind", kind},                  {"epochs", std::to_string(o.epochs)},
          {"batch", std::to_string(o.batch)}, {"lr", fmt::format("{:.17g}", o.lr)},
          {"lr_schedule", o.lr_schedule},     {"limit", std::to_string(o.limit)}, {"test_limit", std::to_string(o.test_limit)},
          {"seed", std::to_string(o.common.seed)}, {"warm_start", o.warm_start ? "1" : "0"}};
}

/// The flags of the run a checkpoint interrupted; UsageError when it is not a prior's.
TrainPriorFlags resumed_flags(TrainPriorFlags o, const nn::Checkpoint& ckpt, const std::string& path) {
  const auto kind = ckpt.info.find("kind");
  if (kind == ckpt.info.end() || (kind->second != "pixelcnn-prior" && kind->second != "transformer-prior") ||
      ckpt.info.count("test_limit") == 0)
    throw UsageError(fmt::format("{} was not written by xgrad train-prior", path));
  if (!o.epochs_given) o.epochs = std::stoi(ckpt.info.at("epochs"));
  o.batch = std::stoll(ckpt.info.at("batch"));
  o.lr = std::stod(ckpt.info.at("lr"));
  const auto schedule = ckpt.info.find("lr_schedule");  // absent in checkpoints before session 20: constant
  o.lr_schedule = schedule == ckpt.info.end() ? std::string() : schedule->second;
  o.limit = std::stoll(ckpt.info.at("limit"));
  o.test_limit = std::stoll(ckpt.info.at("test_limit"));
  o.common.seed = std::stoull(ckpt.info.at("seed"));
  const auto warm = ckpt.info.find("warm_start");  // absent before session 22: a cold start
  o.warm_start = warm != ckpt.info.end() && warm->second == "1";
  return o;
}

/// A progress bar per epoch with the running bits per code.
class PriorProgress : public nn::TrainerCallback {
 public:
  explicit PriorProgress(int epochs) : epochs_(epochs) {}
  void on_epoch_begin(const nn::TrainState& state, std::int64_t skipped) override {
    bar_ = std::make_unique<Progress>(fmt::format("prior epoch {}/{}", state.epoch() + 1, epochs_), state.num_batches);
    if (skipped > 0) bar_->tick(skipped);
  }
  void on_step_end(const nn::TrainState&, const nn::StepTerms&, const nn::TermSums& running) override {
    bar_->tick(1, fmt::format("{:.3f} bits/code", running.mean("bits_per_code")));
  }

 private:
  int epochs_;
  std::unique_ptr<Progress> bar_;
};

/// The held-out bits per code at each epoch's end, beside the training figure: where the
/// prior starts to overfit the training set's codes.
class PriorTestBits : public nn::TrainerCallback {
 public:
  PriorTestBits(models::CodePrior& prior, const core::IndexTensor& test_codes) : prior_(prior), test_codes_(test_codes) {}
  void on_evaluate(const nn::TrainState&, const nn::TermSums&, nn::MetricRow& row) override {
    nn::set_metric(row, "test_bits_per_code", prior_.bits_per_code(test_codes_));
  }

 private:
  models::CodePrior& prior_;
  const core::IndexTensor& test_codes_;
};

/// --warm-start needs a trained prior: said before the data are loaded and encoded.
void require_prior_to_warm_start(const std::string& run) {
  if (!std::filesystem::exists(prior_path(run)))
    throw UsageError(fmt::format("--warm-start: {} has no trained prior ({}); run xgrad train-prior {} first", run,
                                 prior_path(run), run));
}

/// A run that is not resumed starts RUN/prior/'s metrics over (as every fresh Trainer
/// run does); the previous run's rows (a warm start's earlier cycle) are kept beside them
/// as metrics.previous.jsonl.
void set_aside_previous_metrics(const std::string& dir) {
  const std::string path = dir + "/metrics.jsonl";
  if (std::filesystem::exists(path)) std::filesystem::rename(path, dir + "/metrics.previous.jsonl");
}

void run_train_prior(TrainPriorFlags o) {
  std::optional<nn::Checkpoint> ckpt;
  const std::string ckpt_path = o.run + "/prior/checkpoint.safetensors";
  if (o.resume && o.warm_start)
    throw UsageError("--warm-start and --resume exclude each other (--resume continues a run that already warm-started)");
  if (o.warm_start) require_prior_to_warm_start(o.run);
  if (o.resume) {
    ckpt = read_resume_checkpoint(ckpt_path);
    o = resumed_flags(o, *ckpt, ckpt_path);
  }
  apply_common_options(o.common);
  require_positive("--epochs", o.epochs);
  require_positive("--batch", static_cast<double>(o.batch));
  require_positive("--lr", o.lr);
  if (o.limit < 0 || o.test_limit < 0)
    throw UsageError(fmt::format("--limit and --test-limit must be >= 0 (got {}, {})", o.limit, o.test_limit));
  const RunFolder folder(o.run);  // as xgrad train: no two processes write one run
  LoadedRun run = load_run(o.run);
  models::VqVae& model = code_model(run, o.run);
  DataOptions data = run.data;
  data.limit = o.limit;
  data.test_limit = o.test_limit;
  const Datasets ds = load_datasets(data);
  auto train_codes = nn::TensorDataset::of_labels(encode_dataset(model, *ds.train));
  const core::IndexTensor test_codes = encode_dataset(model, *ds.test);

  core::Generator gen(o.common.seed);
  std::shared_ptr<models::CodePrior> prior = model.make_prior(gen);
  // --warm-start: the trained prior's weights as the starting point; the optimizer's
  // moments and the schedule start afresh (another cycle of the schedule, as SGDR restarts).
  if (o.warm_start && !ckpt) load_module_file(prior_path(o.run), *prior, prior->kind());
  ensure_writable_dir(o.run + "/prior");
  if (!ckpt) set_aside_previous_metrics(o.run + "/prior");
  nn::Trainer trainer(*prior, gen, train_codes,
                      {.budget = {.epochs = o.epochs}, .batch_size = o.batch, .seed = o.common.seed,
                       .optimizer = {.lr = o.lr, .lr_schedule = o.lr_schedule}, .eval_every_epoch = true, .eval_at_end = false,
                       .dir = o.run + "/prior", .checkpoint_info = prior_info(o, prior->kind()),
                       .stop_flag = &g_stop_requested, .stop_after_steps = o.stop_after_steps});
  if (ckpt) trainer.resume(*ckpt, ckpt_path);
  PriorProgress progress(o.epochs);
  trainer.add_callback(progress);
  PriorTestBits test_bits(*prior, test_codes);
  trainer.add_callback(test_bits);
  install_stop_handlers();  // SIGINT or SIGTERM: finish the batch, write the checkpoint, say so
  if (trainer.fit() == nn::Trainer::Outcome::Stopped)
    throw Interrupted(fmt::format("interrupted; the prior {}, its checkpoint is {} (continue with "
                                  "xgrad train-prior {} --resume)",
                                  o.warm_start ? "this cycle started from is still " + prior_path(o.run)
                                               : std::string("is not saved yet"),
                                  ckpt_path, o.run));
  save_module_file(prior_path(o.run), *prior, prior->kind(),
                   {{"epochs", o.epochs}, {"batch", o.batch}, {"lr", o.lr}, {"lr_schedule", o.lr_schedule}, {"seed", o.common.seed},
                    {"warm_start", o.warm_start}});
  fmt::print(stderr, "trained the prior for {} epochs: test {:.4f} bits per code; wrote {}\n", o.epochs,
             prior->bits_per_code(test_codes), prior_path(o.run));
}

}  // namespace

void add_train_prior_command(CLI::App& app) {
  auto o = std::make_shared<TrainPriorFlags>();
  auto* cmd = app.add_subcommand("train-prior", "Train the prior over a code model's latents (vq-vae); writes RUN/prior.safetensors");
  cmd->add_option("run", o->run, "Run directory (from xgrad train --model vq-vae)")->required();
  cmd->add_option("--epochs", o->epochs, "Epochs over the training set's codes")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Batch size")->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate (Adam)")->capture_default_str();
  cmd->add_option("--lr-schedule", o->lr_schedule,
                  "Learning-rate schedule, advanced each step: step:N:GAMMA, exp:GAMMA, cosine:T[:MIN], warmup:N[:START] "
                  "or '' for a constant rate")
      ->capture_default_str();
  cmd->add_option("--limit", o->limit, "Use only the first N training images (0 = all)")->capture_default_str();
  cmd->add_option("--test-limit", o->test_limit, "Score the prior on the first N test images (0 = all)")->capture_default_str();
  cmd->add_flag("--resume", o->resume,
                "Continue from RUN/prior/checkpoint.safetensors with its run's batch, lr, schedule, limits and seed, and its "
                "epochs unless --epochs is given (then train on to that many in all)");
  cmd->add_flag("--warm-start", o->warm_start,
                "Start from RUN/prior.safetensors's weights with a fresh optimizer and --lr-schedule, for --epochs more: "
                "another cycle of the schedule (RUN/prior/'s metrics start over; the earlier ones move to metrics.previous.jsonl)");
  cmd->add_option("--stop-after-steps", o->stop_after_steps, "Stop as on SIGINT after N steps (for tests)")
      ->group("");  // hidden: a deterministic interruption point for the resume test
  add_common_options(*cmd, o->common, "unused (the prior goes to RUN/prior.safetensors)", false);
  cmd->callback([o, cmd] {
    o->epochs_given = cmd->count("--epochs") > 0;
    run_train_prior(*o);
  });
}

}  // namespace xgrad::apps
