#include "sequence_training.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>

#include "cli.hpp"
#include "progress.hpp"
#include "run_state.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/train/non_finite.hpp"

namespace xgrad::apps {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::shared_ptr<const nn::Dataset> borrowed(const nn::Dataset& d) {
  return {&d, [](const nn::Dataset*) {}};
}

/// Per-step figures of a sum over `rows` rows of `steps` steps each: nats and, for text, bits.
void put_per_step(json& row, const std::string& prefix, double neg_elbo, double kl, double steps, bool text) {
  row[prefix + "_nats_per_step"] = neg_elbo / steps;
  row[prefix + "_kl_per_step"] = kl / steps;
  if (text) row[prefix + "_bits_per_char"] = neg_elbo / steps / std::log(2.0);
}

}  // namespace

models::EvalSums evaluate_sequences(SequenceModel& model, const nn::Dataset& data, core::Generator& gen,
                                    core::Index batch) {
  model.module().eval();
  autograd::NoGradGuard no_grad;
  nn::DataLoader loader(borrowed(data), {.batch_size = batch, .shuffle = false, .prefetch = false});
  models::EvalSums sums;
  for (const nn::Batch& b : loader) sums += model.evaluate(b, gen);
  model.module().train();
  return sums;
}

double iwae_sum(SequenceModel& model, const nn::Dataset& data, int k, core::Generator& gen, core::Index batch) {
  model.module().eval();
  autograd::NoGradGuard no_grad;
  // k copies of each row run together, so the batch shrinks with k.
  const core::Index rows = std::max<core::Index>(1, batch / std::max(1, k / 4));
  nn::DataLoader loader(borrowed(data), {.batch_size = rows, .shuffle = false, .prefetch = false});
  double sum = 0;
  for (const nn::Batch& b : loader)
    for (float v : model.iwae_log_likelihood(b, k, gen)) sum += v;
  model.module().train();
  return sum;
}

SequenceTrainResult train_sequence_run(const SequenceTrainSettings& s, const SequenceData& data) {
  if (s.steps < 0) throw UsageError(fmt::format("--steps must be >= 0 (got {})", s.steps));
  if (s.epochs < 0) throw UsageError(fmt::format("--epochs must be >= 0 (got {})", s.epochs));
  if (s.minutes < 0) throw UsageError(fmt::format("--minutes must be >= 0 (got {})", s.minutes));
  if (s.steps > 0 && s.epochs > 0) throw UsageError("give --steps or --epochs, not both");
  require_positive("--batch", static_cast<double>(s.batch));
  require_positive("--eval-every", static_cast<double>(s.eval_every));
  ensure_writable_dir(s.out);
  const std::string ckpt_path = s.out + "/checkpoint.safetensors", metrics_path = s.out + "/metrics.jsonl";
  const bool text = s.model.text;

  SequenceTrainResult r;
  r.config = s.model;
  std::optional<nn::Checkpoint> ckpt;
  if (s.resume) {
    if (!fs::exists(ckpt_path)) throw UsageError(fmt::format("--resume: no checkpoint at {}", ckpt_path));
    ckpt = nn::load_checkpoint(ckpt_path);
    const auto cfg = ckpt->info.find("config");
    if (ckpt->info.count("command") == 0 || ckpt->info.at("command") != s.command || cfg == ckpt->info.end())
      throw UsageError(fmt::format("{} was not written by xgrad {}", ckpt_path, s.command));
    r.config = sequence_config_from_json(json::parse(cfg->second, nullptr, false), ckpt_path);
  }

  core::Generator gen(s.seed);
  r.model = make_sequence_model(r.config, gen);
  SequenceModel& model = *r.model;
  nn::DataLoader loader(data.train, {.batch_size = s.batch, .shuffle = true, .seed = s.seed});
  const std::int64_t nb = loader.num_batches();
  const std::int64_t target = s.steps > 0 ? s.steps : s.epochs > 0 ? s.epochs * nb : 0;  // 0: time only
  if (target == 0 && s.minutes <= 0) throw UsageError("give --steps, --epochs or --minutes");

  double loss_sum = 0, kl_sum = 0, rows_sum = 0, seconds_before = 0;
  if (ckpt) {
    restore_checkpoint(*ckpt, ckpt_path, model.module(), model.optimizers());
    gen.set_state(ckpt->rng);
    auto get = [&](const char* k) { return ckpt->progress.count(k) ? ckpt->progress.at(k) : 0.0; };
    r.steps = static_cast<std::int64_t>(get("step"));
    loss_sum = get("loss_sum"), kl_sum = get("kl_sum"), rows_sum = get("rows_sum"), seconds_before = get("seconds");
    if (get("num_batches") != static_cast<double>(nb) || get("seed") != static_cast<double>(s.seed))
      throw UsageError(fmt::format("{}: was written with other data, --batch or --seed; resume with the same ones",
                                   ckpt_path));
    r.metrics = read_json_lines(metrics_path, [&](const json& j) {
      return j.contains("step") && j["step"].is_number() && j["step"].get<std::int64_t>() <= r.steps;
    });
  }

  json config = {{"command", s.command},  {"model", to_json(r.config)}, {"data", s.data_info},
                 {"batch", s.batch},      {"steps", s.steps},           {"epochs", s.epochs},
                 {"minutes", s.minutes},  {"seed", s.seed},             {"eval_every", s.eval_every},
                 {"version", XGRAD_VERSION}, {"parameters", model.module().parameter_count()},
                 {"describe", model.describe()}};
  nn::write_file_atomic(s.out + "/config.json", config.dump(2) + "\n");

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto save = [&] {
    nn::require_finite_parameters(r.steps, model.module());
    save_sequence_model(s.out + "/model.safetensors", model, r.config);
    nn::save_checkpoint(ckpt_path, capture_checkpoint(model.module(), model.optimizers(),
                                                      {{"step", static_cast<double>(r.steps)},
                                                       {"loss_sum", loss_sum},
                                                       {"kl_sum", kl_sum},
                                                       {"rows_sum", rows_sum},
                                                       {"seconds", elapsed()},
                                                       {"num_batches", static_cast<double>(nb)},
                                                       {"seed", static_cast<double>(s.seed)}},
                                                      gen,
                                                      {{"command", s.command},
                                                       {"config", to_json(r.config).dump()},
                                                       {"version", XGRAD_VERSION}}));
  };
  const double L = static_cast<double>(data.steps_per_row);
  auto record = [&] {
    core::Generator eval_gen(s.seed * 1000003ULL + static_cast<std::uint64_t>(r.steps));
    const models::EvalSums ev = evaluate_sequences(model, *data.validation, eval_gen);
    json row = {{"step", r.steps}, {"epoch", static_cast<double>(r.steps) / static_cast<double>(nb)}, {"seconds", elapsed()}};
    if (rows_sum > 0) put_per_step(row, "train", loss_sum, kl_sum, rows_sum * L, text);
    put_per_step(row, "val", ev.neg_elbo, ev.kl, static_cast<double>(ev.count) * L, text);
    nn::require_finite_parameters(r.steps, model.module());  // before the metrics of a broken model are kept
    r.metrics.push_back(row);
    loss_sum = kl_sum = rows_sum = 0;
    nn::write_file_atomic(metrics_path, json_lines(r.metrics));
    save();
    return row;
  };

  const bool by_time = target == 0;
  const std::int64_t bar_total = by_time ? static_cast<std::int64_t>(s.minutes * 60) : target;
  Progress bar(by_time ? "train (time)" : "train", bar_total, by_time ? "s" : "step");
  std::int64_t shown = by_time ? static_cast<std::int64_t>(seconds_before) : r.steps;
  bar.tick(shown);
  auto done = [&] { return (target > 0 && r.steps >= target) || (s.minutes > 0 && elapsed() >= s.minutes * 60); };
  const char* unit = text ? "bits/char" : "nats/step";
  const double to_unit = text ? 1 / std::log(2.0) : 1.0;
  std::string last_val;
  while (!done()) {
    const std::int64_t epoch = r.steps / nb, skip = r.steps % nb;
    std::int64_t i = 0;
    for (auto it = loader.iterate(static_cast<std::uint64_t>(epoch)); it != loader.end() && !done(); ++it, ++i) {
      if (i < skip) continue;
      const models::StepStats st = model.train_step(*it, gen, r.steps);
      ++r.steps;
      nn::require_finite_terms(r.steps, st.named());
      const double rows = static_cast<double>(it->size());
      loss_sum += (st.recon + st.kl) * rows, kl_sum += st.kl * rows, rows_sum += rows;
      if (r.steps % s.eval_every == 0) {
        const json row = record();
        last_val = fmt::format("  val {:.3f}", row["val_nats_per_step"].get<double>() * to_unit);
      }
      const std::int64_t now = by_time ? static_cast<std::int64_t>(elapsed()) : r.steps;
      bar.tick(now - shown, fmt::format("{}{} {:.3f}{}", by_time ? fmt::format("step {}  ", r.steps) : "", unit, rows_sum > 0 ? loss_sum / (rows_sum * L) * to_unit : 0.0, last_val));
      shown = now;
      if (g_stop_requested.load()) {
        save();
        bar.finish("interrupted");
        throw Interrupted(fmt::format("interrupted; checkpoint written to {} (continue with --resume)", ckpt_path));
      }
    }
  }
  if (r.metrics.empty() || r.metrics.back()["step"].get<std::int64_t>() != r.steps) record();
  r.seconds = elapsed();
  bar.finish(fmt::format("{} steps, val {:.3f} {}", r.steps, r.metrics.back()["val_nats_per_step"].get<double>() * to_unit, unit));
  model.module().eval();
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
  run.model_config = sequence_config_from_json(run.config["model"], cfg_path);
  core::Generator gen(0);
  run.model = make_sequence_model(run.model_config, gen);
  load_sequence_model(dir + "/model.safetensors", *run.model, run.model_config);
  run.model->module().eval();
  return run;
}

}  // namespace xgrad::apps
