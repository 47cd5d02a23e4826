#include "image/harness.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>

#include "common/cli.hpp"
#include "common/progress.hpp"
#include "common/run_folder.hpp"
#include "common/run_state.hpp"
#include "image/code_prior.hpp"
#include "image/image_grid.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/distributed/communicator.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"
#include "xgrad/nn/train/non_finite.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::apps {

namespace fs = std::filesystem;
using nlohmann::json;

models::EvalSums evaluate_dataset(models::GenerativeModel& model, const nn::Dataset& data, std::int64_t batch,
                                  core::Generator& gen) {
  const bool was_training = model.is_training();
  model.eval();
  autograd::NoGradGuard no_grad;
  nn::DataLoader loader(std::shared_ptr<const nn::Dataset>(&data, [](const nn::Dataset*) {}),
                        {.batch_size = batch, .shuffle = false});
  models::EvalSums sums;
  for (const nn::Batch& b : loader) sums += model.evaluate(b, gen);
  model.train(was_training);
  return sums;
}

nn::Batch first_rows(const nn::Dataset& data, std::int64_t n) {
  n = std::min<std::int64_t>(n, data.size());
  std::vector<core::Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), core::Index{0});
  return data.get_batch(idx);
}

core::Tensor<float> flat_images(const core::Tensor<float>& x) {
  return x.reshape(core::Shape({x.size(0), x.numel() / x.size(0)}));
}

void save_model_file(const std::string& path, const BuiltModel& built, const ModelConfig& config) {
  save_module_file(path, *built.model, config.kind, to_json(config));
}

void load_model_file(const std::string& path, BuiltModel& built, const ModelConfig& config) {
  load_module_file(path, *built.model, config.kind);
}

namespace {

void write_pictures(const std::string& out, models::GenerativeModel& model, const BuiltModel& built,
                    const ModelConfig& config, const nn::Dataset& test, std::uint64_t seed) {
  autograd::NoGradGuard no_grad;
  model.eval();
  core::Generator gen(seed ^ 0x5a5a5a5aULL);
  core::IndexTensor labels;
  if (built.caps.conditional) {
    labels = core::IndexTensor(core::Shape({64}));
    for (core::Index i = 0; i < 64; ++i) labels.data()[i] = i % class_count(config);
  }
  // A code model samples only once `xgrad train-prior` has fitted its prior.
  if (!built.caps.code_prior) write_png(out + "/samples.png", tile_images(flat_images(model.sample(64, gen, labels)), 8));
  nn::Batch b = first_rows(test, 8);
  core::Tensor<float> both =
      core::concat<float>({flat_images(b.x), flat_images(model.reconstruct(b))}, 0);
  write_png(out + "/reconstructions.png", tile_images(both, 8));
}

/// What an image run shows and writes besides the trainer's metrics and checkpoints:
/// a progress bar per epoch, the test-set figures of each epoch, the model file.
class ImageRun : public nn::TrainerCallback {
 public:
  ImageRun(const TrainSettings& s, models::GenerativeModel& model, const BuiltModel& built, const ModelConfig& config,
           const nn::Dataset& test)
      : s_(s), model_(model), built_(built), config_(config), test_(test) {}

  void on_epoch_begin(const nn::TrainState& state, std::int64_t skipped) override {
    t0_ = std::chrono::steady_clock::now();
    if (s_.quiet) return;
    bar_ = std::make_unique<Progress>(fmt::format("epoch {}/{}", state.epoch() + 1, s_.epochs), state.num_batches);
    bar_->skip(skipped);
    bar_->set_steps_after(state.total_steps - (state.epoch() + 1) * state.num_batches);  // so it shows the run's ETA too
  }
  void on_step_end(const nn::TrainState&, const nn::StepTerms&, const nn::TermSums& running) override {
    if (bar_) bar_->tick(1, fmt::format("loss {:.2f}", running.mean("loss")));
  }
  void on_evaluate(const nn::TrainState& state, const nn::TermSums& train, nn::MetricRow& row) override {
    const std::int64_t epoch = state.epoch();  // epochs completed
    core::Generator eval_gen(s_.seed + 1000003ULL * static_cast<std::uint64_t>(epoch));
    const models::EvalSums ev = evaluate_dataset(model_, test_, 500, eval_gen);
    const double n = static_cast<double>(std::max<core::Index>(ev.count, 1)), loss = train.rows > 0 ? train.mean("loss") : 0.0;
    row = {{"epoch", epoch}, {"train_loss", loss}, {"test_loss", ev.neg_elbo / n}, {"test_recon", ev.recon / n}};
    if (built_.caps.has_kl) row.emplace_back("test_kl", ev.kl / n);  // a model without a KL claims none
    row.emplace_back("seconds", seconds());
    if (bar_) bar_->finish(fmt::format("loss {:.2f}  test {:.2f}", loss, ev.neg_elbo / n));
    bar_.reset();
  }
  void on_save(const nn::TrainState&) override { save_model_file(s_.out + "/model.safetensors", built_, config_); }

 private:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

  const TrainSettings& s_;
  models::GenerativeModel& model_;
  const BuiltModel& built_;
  const ModelConfig& config_;
  const nn::Dataset& test_;
  std::unique_ptr<Progress> bar_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

/// The model of a run: the checkpoint's when resuming (it must be of --model), else
/// --model's defaults with the options given.
/// Refuses a kind whose ranks would drift apart before any rank trains a step.
void require_data_parallel(const std::string& kind) {
  const int ranks = nn::distributed::world().size();
  if (ranks > 1 && !models::ModelRegistry::global().at(kind).caps.data_parallel)
    throw UsageError(fmt::format("model '{}' cannot train on {} MPI ranks: it keeps state outside its gradients per "
                                 "rank (the VQ-VAE: dead-code restarts, usage counts), so the ranks' models would drift "
                                 "apart; run it in one process",
                                 kind, ranks));
}

ModelConfig run_model_config(const TrainSettings& s, const std::string& ckpt_path, std::optional<nn::Checkpoint>& ckpt) {
  if (models::ModelRegistry::global().contains(s.kind)) require_data_parallel(s.kind);
  if (s.resume) {
    ckpt = read_resume_checkpoint(ckpt_path);
    if (ckpt->info.count("kind") == 0 || ckpt->info.count("config") == 0)
      throw UsageError(fmt::format("{} was not written by xgrad train", ckpt_path));
    const std::string& kind = ckpt->info.at("kind");
    if (kind != s.kind)
      throw UsageError(fmt::format("{} is a checkpoint of model '{}', not '{}'", ckpt_path, kind, s.kind));
    return model_config_from_json(json::parse(ckpt->info.at("config"), nullptr, false), ckpt_path);
  }
  require_kind(s.kind, [](const models::ModelCapabilities& caps) { return caps.image; });
  return model_config(s.kind, s.options);
}

std::string describe(const DataShape& shape) {
  if (shape.tabular) return fmt::format("tabular rows of {} values", shape.features);
  return fmt::format("{}x{}x{} images", shape.channels, shape.height, shape.width);
}

/// The options the data decides unless given: the values of a row ("input", and for the
/// conv networks the image "channels"), the Gaussian likelihood of tabular rows, the
/// training set's size ("dataset_size", beta-TCVAE's N) and a conditional model's "classes"
/// (data without classes, as dSprites, is refused). A resumed run keeps its own.
void fit_to_data(const TrainSettings& s, const Datasets& ds, ModelConfig& mc) {
  if (s.resume) return;
  const models::ModelOptions& defaults = models::ModelRegistry::global().at(s.kind).defaults;
  models::ModelOptions given = s.options;
  const DataShape& shape = ds.shape;
  if (shape.tabular || shape.features != 784 || shape.channels != 1) {
    if (!defaults.count("input") || (shape.channels != 1 && !defaults.count("channels")))
      throw UsageError(fmt::format("model '{}' cannot train on {}: it takes 1x28x28 images only (the data is {})", s.kind,
                                   s.data.dir, describe(shape)));
    given.try_emplace("input", shape.features);
    if (defaults.count("channels")) given.try_emplace("channels", shape.channels);
  }
  if (shape.tabular) {
    if (!defaults.count("likelihood"))
      throw UsageError(fmt::format("model '{}' has no Gaussian likelihood for tabular data (use vae)", s.kind));
    given.try_emplace("likelihood", std::string("gauss"));
  }
  if (defaults.count("dataset_size")) given.try_emplace("dataset_size", static_cast<std::int64_t>(ds.train->size()));
  if (defaults.count("classes")) {  // a conditional model's labels: the data's classes
    if (ds.classes.empty())
      throw UsageError(fmt::format("model '{}' cannot train on {}: it is conditioned on class labels, and the data has "
                                   "none", s.kind, s.data.dir));
    given.try_emplace("classes", static_cast<std::int64_t>(ds.classes.size()));
  }
  mc = model_config(s.kind, given);
}

nn::TrainerOptions trainer_options(const TrainSettings& s, const BuiltModel& built, const ModelConfig& mc) {
  return {.budget = {.epochs = s.epochs},
          .batch_size = s.batch.value(),
          .seed = s.seed,
          .optimizer = built.optimizer,
          .eval_every_epoch = true,
          .eval_at_end = false,
          .dir = s.out,
          .checkpoint_info = {{"kind", mc.kind}, {"config", to_json(mc).dump()}, {"version", XGRAD_VERSION}},
          .stop_flag = &g_stop_requested,
          .stop_after_steps = s.stop_after_steps};
}

/// The data options a run's commands need to read the same rows again (its test split above all).
json data_options_json(const DataOptions& d) {
  return {{"image_size", d.image_size}, {"skip_bad", d.skip_bad}, {"label_column", d.label_column},
          {"test_fraction", d.test_fraction}, {"split_seed", d.split_seed}};
}

void read_data_options(const json& j, DataOptions& d) {
  if (!j.is_object()) return;  // runs from before other data than Fashion-MNIST and dSprites
  d.image_size = j.value("image_size", d.image_size);
  d.skip_bad = j.value("skip_bad", d.skip_bad);
  d.label_column = j.value("label_column", d.label_column);
  d.test_fraction = j.value("test_fraction", d.test_fraction);
  d.split_seed = j.value("split_seed", d.split_seed);
}

/// OUT/config.json: how the run was made, from which load_run rebuilds its model.
void write_run_config(const TrainSettings& s, const DataOptions& data, const ModelConfig& mc,
                      const models::GenerativeModel& model) {
  json config = {{"command", "train"},     {"model", to_json(mc)},         {"data", data.dir},
                 {"limit", data.limit},    {"test_limit", data.test_limit}, {"epochs", s.epochs},
                 {"batch", s.batch.value()}, {"seed", s.seed},               {"version", XGRAD_VERSION},
                 {"parameters", model.parameter_count()}, {"data_options", data_options_json(data)}};
  if (!data.classes.empty()) config["classes"] = data.classes;
  if (data.per_class > 0) config["per_class"] = data.per_class;
  nn::write_file_atomic(s.out + "/config.json", config.dump(2) + "\n");
}

/// --limit, --classes and --per-class as config.json keeps them: the jobs on a run (the
/// PCA baseline of anomaly, the probes of embed) fit to the training rows the run saw.
void read_row_choice(const json& config, const std::string& path, DataOptions& data) {
  try {
    if (config.contains("limit")) data.limit = config["limit"].get<std::int64_t>();
    if (config.contains("classes")) data.classes = config["classes"].get<std::vector<core::Index>>();
    if (config.contains("per_class")) data.per_class = config["per_class"].get<std::int64_t>();
  } catch (const json::exception&) {
    throw UsageError(fmt::format("{}: malformed \"limit\", \"classes\" or \"per_class\" (numbers, a list of labels)", path));
  }
}

}  // namespace

TrainResult train_run(const TrainSettings& given) {
  TrainSettings s = given;
  require_positive("--epochs", s.epochs);
  if (s.batch) require_positive("--batch", static_cast<double>(*s.batch));
  if (s.data.limit < 0) throw UsageError(fmt::format("--limit must be >= 0 (got {})", s.data.limit));
  if (s.data.per_class < 0) throw UsageError(fmt::format("--per-class must be >= 0 (got {})", s.data.per_class));
  const auto folder = hold_run_folder(s.out);  // held until the run ends; a failed run leaves no empty folder
  const std::string ckpt_path = s.out + "/checkpoint.safetensors";

  TrainResult result;
  std::optional<nn::Checkpoint> ckpt;
  result.config = run_model_config(s, ckpt_path, ckpt);
  const ModelConfig& mc = result.config;
  s.batch = s.batch.value_or(models::ModelRegistry::global().at(mc.kind).batch);

  DataOptions data = s.data;
  data.flatten = true;  // every image model takes rows (BuiltModel::flat_input)
  Datasets ds = load_datasets(data);
  fit_to_data(s, ds, result.config);

  core::Generator gen(s.seed);
  result.built = make_model(mc, gen);
  BuiltModel& built = result.built;
  models::GenerativeModel& model = *built.model;
  if (!built.flat_input) throw core::Error("train_run: image models take flat rows");
  nn::Trainer trainer(model, gen, ds.train, trainer_options(s, built, mc));
  if (ckpt) trainer.resume(*ckpt, ckpt_path);
  if (is_leader()) write_run_config(s, data, mc, model);

  if (!s.out_note.empty() && is_leader()) fmt::print(stderr, "{}\n", s.out_note);
  ImageRun run(s, model, built, mc, *ds.test);
  trainer.add_callback(run);
  const nn::Trainer::Outcome outcome = trainer.fit();
  result.metrics = metrics_json(trainer.metrics());
  if (outcome == nn::Trainer::Outcome::Stopped)
    throw Interrupted(fmt::format("interrupted; checkpoint written to {} (continue with --resume)", ckpt_path));
  if (is_leader()) {
    model.finish_training(*ds.train);  // e.g. the autoencoder's Gaussian over its training codes
    save_model_file(s.out + "/model.safetensors", built, mc);
    if (!ds.shape.tabular) write_pictures(s.out, model, built, mc, *ds.test, s.seed);
  }
  model.eval();
  return result;
}

LoadedRun load_run(const std::string& dir) {
  LoadedRun run;
  const std::string cfg_path = dir + "/config.json";
  if (!fs::is_directory(dir)) throw UsageError(fmt::format("run directory {} does not exist", dir));
  if (!fs::exists(cfg_path)) throw UsageError(fmt::format("{} is not a training run (no config.json)", dir));
  run.config = json::parse(nn::read_file_bytes(cfg_path, "config"), nullptr, false);
  if (run.config.is_discarded() || !run.config.is_object() || !run.config.contains("model"))
    throw UsageError(fmt::format("{}: malformed config (not a JSON object with \"model\")", cfg_path));
  run.model_config = model_config_from_json(run.config["model"], cfg_path);
  if (!models::ModelRegistry::global().at(run.model_config.kind).caps.image)
    throw UsageError(fmt::format("{} is an 'xgrad {}' run of model '{}': score it with xgrad text score or xgrad series "
                                 "forecast/anomaly", dir, run.config.value("command", std::string("text train")),
                                 run.model_config.kind));
  if (run.config.contains("data") && run.config["data"].is_string()) run.data.dir = run.config["data"].get<std::string>();
  if (run.config.contains("data_options")) read_data_options(run.config["data_options"], run.data);
  read_row_choice(run.config, cfg_path, run.data);
  core::Generator gen(0);
  run.built = make_model(run.model_config, gen);
  run.data.flatten = run.built.flat_input;
  load_model_file(dir + "/model.safetensors", run.built, run.model_config);
  attach_prior_if_trained(run, dir);
  run.built.model->eval();
  return run;
}

LoadedRun load_image_run(const std::string& dir, const std::string& command) {
  LoadedRun run = load_run(dir);
  if (is_tabular(run.data))
    throw UsageError(fmt::format("{}: {} was trained on rows of {}, which are not pictures (eval, embed and anomaly take it)",
                                 command, dir, run.data.dir));
  return run;
}

}  // namespace xgrad::apps
