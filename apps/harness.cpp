#include "harness.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>

#include "cli.hpp"
#include "image_grid.hpp"
#include "progress.hpp"
#include "run_state.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"
#include "xgrad/nn/train/non_finite.hpp"

namespace xgrad::apps {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::shared_ptr<const nn::Dataset> first_n(std::shared_ptr<const nn::Dataset> d, std::int64_t n) {
  if (n <= 0 || n >= d->size()) return d;
  std::vector<core::Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), core::Index{0});
  return std::make_shared<nn::Subset>(std::move(d), std::move(idx));
}

void check_data_dir(const std::string& dir) {
  if (!fs::is_directory(dir))
    throw UsageError(fmt::format("data directory {} does not exist (install Debian's dataset-fashion-mnist or pass --data DIR)", dir));
}

}  // namespace

std::shared_ptr<const nn::Dataset> load_test_set(const std::string& dir, std::int64_t limit, bool flatten) {
  check_data_dir(dir);
  auto test = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.dir = dir, .train = false, .flatten = flatten});
  return first_n(test, limit);
}

Datasets load_fashion_mnist(const DataOptions& o) {
  check_data_dir(o.dir);
  auto train = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.dir = o.dir, .train = true, .flatten = o.flatten});
  return {first_n(train, o.limit), load_test_set(o.dir, o.test_limit, o.flatten)};
}

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
                    const nn::Dataset& test, std::uint64_t seed) {
  autograd::NoGradGuard no_grad;
  model.eval();
  core::Generator gen(seed ^ 0x5a5a5a5aULL);
  core::IndexTensor labels;
  if (built.conditional) {
    labels = core::IndexTensor(core::Shape({64}));
    for (core::Index i = 0; i < 64; ++i) labels.data()[i] = i % 10;
  }
  write_png(out + "/samples.png", tile_images(flat_images(model.sample(64, gen, labels)), 8));
  nn::Batch b = first_rows(test, 8);
  core::Tensor<float> both =
      core::concat<float>({flat_images(b.x), flat_images(model.reconstruct(b))}, 0);
  write_png(out + "/reconstructions.png", tile_images(both, 8));
}

}  // namespace

TrainResult train_run(const TrainSettings& s) {
  require_positive("--epochs", s.epochs);
  require_positive("--batch", static_cast<double>(s.batch));
  if (s.data.limit < 0) throw UsageError(fmt::format("--limit must be >= 0 (got {})", s.data.limit));
  ensure_writable_dir(s.out);
  const std::string ckpt_path = s.out + "/checkpoint.safetensors";

  ModelConfig mc = s.model;
  std::optional<nn::Checkpoint> ckpt;
  if (s.resume) {
    if (!fs::exists(ckpt_path)) throw UsageError(fmt::format("--resume: no checkpoint at {}", ckpt_path));
    ckpt = nn::load_checkpoint(ckpt_path);
    const std::string kind = ckpt->info.count("kind") ? ckpt->info.at("kind") : "";
    if (kind != s.model.kind)
      throw UsageError(fmt::format("{} is a checkpoint of model '{}', not '{}'", ckpt_path, kind, s.model.kind));
    mc = model_config_from_json(json::parse(ckpt->info.at("config"), nullptr, false), ckpt_path);
  }

  core::Generator gen(s.seed);
  TrainResult result;
  result.built = make_model(mc, gen);
  BuiltModel& built = result.built;
  models::GenerativeModel& model = *built.model;

  DataOptions data = s.data;
  data.flatten = built.flat_input;
  Datasets ds = load_fashion_mnist(data);
  nn::DataLoader loader(ds.train, {.batch_size = s.batch, .shuffle = true, .seed = s.seed});
  const auto nb = loader.num_batches();

  // Progress: epoch and batch to start from, the global step, the running sums of the epoch.
  int start_epoch = 0;
  std::int64_t start_batch = 0, step = 0;
  double loss_sum = 0, loss_count = 0;
  if (ckpt) {
    restore_checkpoint(*ckpt, ckpt_path, model, model.optimizers());
    gen.set_state(ckpt->rng);
    auto get = [&](const char* k) { return ckpt->progress.count(k) ? ckpt->progress.at(k) : 0.0; };
    start_epoch = static_cast<int>(get("epoch"));
    start_batch = static_cast<std::int64_t>(get("batch"));
    step = static_cast<std::int64_t>(get("step"));
    loss_sum = get("loss_sum");
    loss_count = get("loss_count");
    if (get("num_batches") != static_cast<double>(nb) || get("seed") != static_cast<double>(s.seed))
      throw UsageError(fmt::format("{}: was written with another --seed, --batch or --limit; resume with the same ones",
                                   ckpt_path));
    // Keep the metrics of the epochs already done.
    result.metrics = read_json_lines(s.out + "/metrics.jsonl", [&](const json& j) {
      return j.contains("epoch") && j["epoch"].is_number() && j["epoch"].get<int>() <= start_epoch;
    });
  }

  json config = {{"command", "train"},     {"model", to_json(mc)},         {"data", data.dir},
                 {"limit", data.limit},    {"test_limit", data.test_limit}, {"epochs", s.epochs},
                 {"batch", s.batch},       {"seed", s.seed},               {"version", XGRAD_VERSION},
                 {"parameters", model.parameter_count()}};
  nn::write_file_atomic(s.out + "/config.json", config.dump(2) + "\n");

  auto checkpoint = [&](int epoch, std::int64_t batch) {
    nn::save_checkpoint(ckpt_path, capture_checkpoint(model, model.optimizers(),
                                                      {{"epoch", epoch},
                                                       {"batch", static_cast<double>(batch)},
                                                       {"step", static_cast<double>(step)},
                                                       {"loss_sum", loss_sum},
                                                       {"loss_count", loss_count},
                                                       {"num_batches", static_cast<double>(nb)},
                                                       {"seed", static_cast<double>(s.seed)}},
                                                      gen,
                                                      {{"kind", mc.kind}, {"config", to_json(mc).dump()}, {"version", XGRAD_VERSION}}));
  };

  std::int64_t steps_here = 0;
  model.train();
  for (int epoch = start_epoch; epoch < s.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<Progress> bar;
    if (!s.quiet) bar = std::make_unique<Progress>(fmt::format("epoch {}/{}", epoch + 1, s.epochs), nb);
    std::int64_t i = 0;
    for (auto it = loader.iterate(static_cast<std::uint64_t>(epoch)); it != loader.end(); ++it, ++i) {
      if (i < start_batch) {
        if (bar) bar->tick();
        continue;
      }
      if (built.before_step) built.before_step(step, static_cast<std::int64_t>(s.epochs) * nb);
      models::StepStats st = model.train_step(*it, gen);
      ++step;
      nn::require_finite_terms(step, st.named());
      loss_sum += st.loss * static_cast<double>(it->size());
      loss_count += static_cast<double>(it->size());
      if (bar) bar->tick(1, fmt::format("loss {:.2f}", loss_sum / loss_count));
      if (++steps_here == s.stop_after_steps) g_stop_requested.store(true);
      if (g_stop_requested.load()) {
        checkpoint(epoch, i + 1);
        if (bar) bar->finish("interrupted");
        throw Interrupted(fmt::format("interrupted; checkpoint written to {} (continue with --resume)", ckpt_path));
      }
    }
    start_batch = 0;
    core::Generator eval_gen(s.seed + 1000003ULL * static_cast<std::uint64_t>(epoch + 1));
    models::EvalSums ev = evaluate_dataset(model, *ds.test, 500, eval_gen);
    const double n = static_cast<double>(std::max<core::Index>(ev.count, 1));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    json row = {{"epoch", epoch + 1},          {"train_loss", loss_sum / std::max(loss_count, 1.0)},
                {"test_loss", ev.neg_elbo / n}, {"test_recon", ev.recon / n},
                {"test_kl", ev.kl / n},         {"seconds", seconds}};
    if (bar) bar->finish(fmt::format("loss {:.2f}  test {:.2f}", loss_sum / std::max(loss_count, 1.0), ev.neg_elbo / n));
    result.metrics.push_back(row);
    loss_sum = loss_count = 0;
    nn::require_finite_parameters(step, model);  // before anything of this epoch is written
    nn::write_file_atomic(s.out + "/metrics.jsonl", json_lines(result.metrics));
    save_model_file(s.out + "/model.safetensors", built, mc);
    checkpoint(epoch + 1, 0);
    model.train();
  }
  if (!fs::exists(s.out + "/model.safetensors")) save_model_file(s.out + "/model.safetensors", built, mc);
  write_pictures(s.out, model, built, *ds.test, s.seed);
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
  if (run.config.contains("data") && run.config["data"].is_string()) run.data.dir = run.config["data"].get<std::string>();
  core::Generator gen(0);
  run.built = make_model(run.model_config, gen);
  run.data.flatten = run.built.flat_input;
  load_model_file(dir + "/model.safetensors", run.built, run.model_config);
  run.built.model->eval();
  return run;
}

}  // namespace xgrad::apps
