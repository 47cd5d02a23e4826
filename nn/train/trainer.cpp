#include "xgrad/nn/train/trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <span>
#include <nlohmann/json.hpp>

#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::nn {

namespace {

using json = nlohmann::json;

json to_json(const MetricRow& row) {
  json j = json::object();
  for (const auto& [k, v] : row) std::visit([&](const auto& x) { j[k] = x; }, v);
  return j;
}

MetricRow from_json(const json& j) {
  MetricRow row;
  for (const auto& [k, v] : j.items()) {
    if (v.is_number_integer()) row.emplace_back(k, v.get<std::int64_t>());
    else if (v.is_number()) row.emplace_back(k, v.get<double>());
    else if (v.is_string()) row.emplace_back(k, v.get<std::string>());
  }
  return row;
}

std::string lines_of(const std::vector<MetricRow>& rows) {
  std::string s;
  for (const auto& r : rows) s += metric_row_json(r) + "\n";
  return s;
}

/// The step a metrics row was written at: its "step", or for rows that count
/// epochs only, the step at the end of that epoch.
std::int64_t row_step(const json& j, std::int64_t num_batches) {
  if (j.contains("step") && j["step"].is_number_integer()) return j["step"].get<std::int64_t>();
  if (j.contains("epoch") && j["epoch"].is_number_integer()) return j["epoch"].get<std::int64_t>() * num_batches;
  return -1;
}

}  // namespace

std::string metric_row_json(const MetricRow& row) { return to_json(row).dump(); }

void set_metric(MetricRow& row, const std::string& key, MetricValue value) {
  for (auto& [k, v] : row)
    if (k == key) return void(v = std::move(value));
  row.emplace_back(key, std::move(value));
}

double TermSums::mean(const std::string& term) const {
  const auto it = sums.find(term);
  return it == sums.end() || rows <= 0 ? 0.0 : it->second / rows;
}

double StepContext::minimize(const Var& loss, std::string_view name) {
  module.zero_grad();
  if (!parallel) {
    optimizers.backward_and_step(loss, name);  // steps inside backward when that gives the same bits
    return loss.item();
  }
  loss.backward();  // the ranks' gradients are averaged before any parameter moves
  std::vector<Var> params;
  for (const ParamGroup& g : optimizers.at(name).groups()) params.insert(params.end(), g.params.begin(), g.params.end());
  parallel->average_gradients(params, share);
  optimizers.step(name);
  return loss.item();
}

Tensor StepContext::whole_batch(const Tensor& own) const {
  if (!parallel || rows.total == 0) return own;
  if (own.dim() < 1 || own.size(0) != std::max<Index>(rows.rows, 1))
    throw core::ShapeError(fmt::format("whole_batch: expected {} rows, got sizes {}", rows.rows, own.shape().str()));
  std::vector<Index> dims(own.shape().begin(), own.shape().end());
  dims[0] = rows.total;
  // Each rank fills its rows of a zero buffer and the buffers are summed: x + 0 is x, so
  // this is an exact gather through the one collective the communicators have. A rank
  // with no rows (stepping on a stand-in row, Trainer::parallel_step) adds none.
  Tensor whole = Tensor::zeros(core::Shape(dims));
  if (rows.rows > 0) std::copy(own.begin(), own.end(), whole.data() + rows.offset * (own.numel() / rows.rows));
  parallel->comm().all_reduce_sum(std::span<float>(whole.data(), static_cast<std::size_t>(whole.numel())));
  return whole;
}

Tensor StepContext::own_rows(const Tensor& whole) const {
  if (!parallel || rows.total == 0) return whole;
  if (whole.dim() < 1 || whole.size(0) != rows.total)
    throw core::ShapeError(fmt::format("own_rows: expected {} rows, got sizes {}", rows.total, whole.shape().str()));
  // No rows: the stand-in row's (any row of the batch will do: it weighs nothing).
  return rows.rows == 0 ? core::slice(whole, 0, 0, 1) : core::slice(whole, 0, rows.offset, rows.offset + rows.rows);
}

std::vector<OptimizerSpec> Trainable::optimizer_specs(const OptimizerOptions& options) {
  return {single_optimizer(parameters(), options)};
}

Trainer::Trainer(Trainable& model, core::Generator& gen, std::shared_ptr<const Dataset> data, TrainerOptions options)
    : model_(model),
      gen_(gen),
      data_(std::move(data)),
      options_(std::move(options)),
      comm_(options_.comm ? options_.comm : &distributed::world()),
      optimizers_(model.optimizer_specs(options_.optimizer)) {
  const Budget& b = options_.budget;
  if (b.epochs < 0 || b.steps < 0 || !(b.minutes >= 0))
    throw core::ValueError(fmt::format("Trainer: the budget must not be negative (epochs {}, steps {}, minutes {})",
                                       b.epochs, b.steps, b.minutes));
  if (b.epochs > 0 && b.steps > 0) throw core::ValueError("Trainer: give a budget in epochs or in steps, not both");
  if (options_.batch_size <= 0)
    throw core::ValueError(fmt::format("Trainer: batch_size must be positive (got {})", options_.batch_size));
  if (data_) {
    loader_ = std::make_unique<DataLoader>(data_, DataLoaderOptions{.batch_size = options_.batch_size, .shuffle = true,
                                                                    .seed = options_.seed,
                                                                    .prefetch = options_.prefetch,
                                                                    .shard = comm_->rank(), .shards = comm_->size()});
    state_.num_batches = loader_->num_batches();
  }
  state_.total_steps = b.steps > 0 ? b.steps : b.epochs * state_.num_batches;
  if (comm_->size() > 1) parallel_ = std::make_unique<distributed::DataParallel>(*comm_, options_.data_parallel);
  session_start_ = epoch_start_ = std::chrono::steady_clock::now();
}

Trainer::~Trainer() = default;

std::string Trainer::checkpoint_path() const {
  return options_.dir.empty() ? std::string() : options_.dir + "/checkpoint.safetensors";
}

double Trainer::elapsed() const {
  return seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
}

Checkpoint Trainer::checkpoint() const {
  Checkpoint c;
  c.model = model_.state_dict();
  for (const auto& [name, opt] : optimizers_.named()) c.optimizers.emplace_back(name, opt->state());
  c.progress = {{"step", static_cast<double>(state_.step)},
                {"num_batches", static_cast<double>(state_.num_batches)},
                {"seed", static_cast<double>(options_.seed)},
                {"seconds", elapsed()},
                {"rows", sums_.rows}};
  for (const auto& [k, v] : sums_.sums) c.progress["sum." + k] = v;
  for (const auto& [k, v] : optimizers_.schedule_state()) c.progress["lr." + k] = v;
  c.rng = gen_.state();
  c.info = options_.checkpoint_info;
  return c;
}

void Trainer::resume() {
  const std::string path = checkpoint_path();
  // Rank 0 reads the file and sends it: the other ranks need not see the run folder.
  const std::string bytes = distributed::read_on_root(*comm_, [&] {
    if (path.empty() || !std::filesystem::exists(path))
      throw core::ValueError(fmt::format("resume: no checkpoint at {}", path.empty() ? "(no run folder)" : path));
    return read_file_bytes(path, "checkpoint");
  });
  resume(decode_checkpoint(bytes, path), path);
}

void Trainer::resume(const Checkpoint& ck, const std::string& source) {
  auto get = [&](const std::string& k) -> double {
    const auto it = ck.progress.find(k);
    if (it == ck.progress.end())
      throw core::ValueError(fmt::format("{}: has no \"{}\" (written by an older xgrad?); start the run again", source, k));
    return it->second;
  };
  if (get("num_batches") != static_cast<double>(state_.num_batches) || get("seed") != static_cast<double>(options_.seed))
    throw core::ValueError(fmt::format(
        "{}: was written with other data, --batch or --seed; resume with the same ones", source));
  // Every check that needs no change comes first, so a checkpoint that does not fit
  // leaves the model as it was (load_state_dict and load_state change nothing when they throw).
  const double step = get("step"), seconds = get("seconds"), rows = get("rows");
  const auto named = optimizers_.named();
  if (named.size() != ck.optimizers.size())
    throw core::ValueError(fmt::format("{}: does not fit the model: holds {} optimizer states, the model has {}", source,
                                       ck.optimizers.size(), named.size()));
  for (std::size_t i = 0; i < named.size(); ++i)
    if (named[i].first != ck.optimizers[i].first)
      throw core::ValueError(fmt::format("{}: does not fit the model: optimizer '{}' where '{}' was expected", source,
                                         ck.optimizers[i].first, named[i].first));
  try {
    model_.load_state_dict(ck.model);
    for (std::size_t i = 0; i < named.size(); ++i) named[i].second->load_state(ck.optimizers[i].second);
    std::map<std::string, double> schedules;
    for (const auto& [k, v] : ck.progress)
      if (k.rfind("lr.", 0) == 0) schedules[k.substr(3)] = v;
    optimizers_.load_schedule_state(schedules);
  } catch (const core::Error& e) {
    throw core::ValueError(fmt::format("{}: does not fit the model: {}", source, e.what()));
  }
  gen_.set_state(ck.rng);
  state_.step = static_cast<std::int64_t>(step);
  state_.seconds = seconds_before_ = seconds;
  sums_ = {};
  sums_.rows = rows;
  for (const auto& [k, v] : ck.progress)
    if (k.rfind("sum.", 0) == 0) sums_.sums[k.substr(4)] = v;
  session_start_ = std::chrono::steady_clock::now();
  last_eval_step_ = -1;
  metrics_.clear();
  if (options_.dir.empty()) return;
  const std::string path = options_.dir + "/metrics.jsonl";
  // Every rank needs the last evaluation's step (evaluations are collectives): rank 0 sends it.
  const std::string text = distributed::read_on_root(
      *comm_, [&] { return std::filesystem::exists(path) ? read_file_bytes(path, "metrics") : std::string(); });
  std::size_t start = 0, dropped = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const json j = json::parse(text.substr(start, end - start), nullptr, false);
    start = end + 1;
    if (j.is_object() && row_step(j, state_.num_batches) >= 0 && row_step(j, state_.num_batches) <= state_.step) {
      metrics_.push_back(from_json(j));
      last_eval_step_ = row_step(j, state_.num_batches);
    } else {
      ++dropped;
    }
  }
  // Rows from past the checkpoint (a run that went on after it) are not this run's history.
  if (dropped > 0 && leader()) write_file_atomic(path, lines_of(metrics_));
}

bool Trainer::budget_spent() const {
  const Budget& b = options_.budget;
  // Ranks' clocks differ: in a data-parallel run the ranks agree on the time after each step.
  const bool time_up = parallel_ ? any_time_up_ : elapsed() >= b.minutes * 60;
  return (state_.total_steps > 0 && state_.step >= state_.total_steps) || (b.minutes > 0 && time_up);
}

const std::vector<TrainerCallback*>& Trainer::active_callbacks() const {
  static const std::vector<TrainerCallback*> none;
  return leader() ? callbacks_ : none;
}

void Trainer::sync_generator() {
  if (!parallel_) return;
  core::Generator::State s = gen_.state();
  comm_->broadcast(std::as_writable_bytes(std::span(&s, 1)), 0);
  gen_.set_state(s);
}

namespace {
/// Sets a generator's row shard for one step, and clears it however the step ends.
struct RowShardScope {
  core::Generator& gen;
  RowShardScope(core::Generator& g, core::Generator::RowShard shard) : gen(g) { gen.set_row_shard(shard); }
  ~RowShardScope() { gen.set_row_shard({}); }
};
}  // namespace

/// One step on this rank's part of the batch: the ranks first share their row counts (so
/// that random draws and weights follow the whole batch), then the step's figures, weighted
/// by rows, and whether any rank was asked to stop or ran out of time.
StepTerms Trainer::parallel_step(const Batch& batch, StepContext& ctx, double& batch_rows) {
  const auto size = static_cast<std::size_t>(comm_->size()), rank = static_cast<std::size_t>(comm_->rank());
  std::vector<double> rows(size, 0.0);
  rows[rank] = static_cast<double>(batch.size());
  comm_->all_reduce_sum(rows);
  double offset = 0, total = 0;
  for (std::size_t r = 0; r < size; ++r) {
    if (r < rank) offset += rows[r];
    total += rows[r];
  }
  ctx.parallel = parallel_.get();
  ctx.share = rows[rank] / total;
  ctx.rows = {static_cast<core::Index>(offset), static_cast<core::Index>(rows[rank]), static_cast<core::Index>(total)};
  batch_rows = total;
  // A rank whose part is empty (a last batch of fewer rows than ranks) steps on a stand-in
  // row with weight 0: any model runs as it always does, adds nothing to the gradients and
  // figures, and takes the same optimizer steps as the others. Its draws are not the
  // batch's, so its generator then takes the state of the last rank, which has rows.
  const bool stand_in = rows[rank] == 0, any_stand_in = std::find(rows.begin(), rows.end(), 0.0) != rows.end();
  if (stand_in && !data_) throw core::ValueError("Trainer::step: this rank's part of the batch is empty and there is no data for a stand-in row");
  StepTerms terms;
  {
    const RowShardScope scope(gen_, stand_in ? core::Generator::RowShard{} : ctx.rows);
    terms = model_.training_step(stand_in ? data_->get_batch({0}) : batch, ctx);
  }
  if (any_stand_in) {
    core::Generator::State s = gen_.state();
    comm_->broadcast(std::as_writable_bytes(std::span(&s, 1)), static_cast<int>(size) - 1);
    gen_.set_state(s);
  }
  std::vector<double> sums(terms.size() + 2);
  // A rank with no rows (a last batch smaller than the ranks) has no figures: its mean over
  // no rows is NaN, and it weighs nothing.
  for (std::size_t i = 0; i < terms.size(); ++i) sums[i] = ctx.share > 0 ? terms[i].second * ctx.share : 0.0;
  sums[terms.size()] = options_.stop_flag && options_.stop_flag->load() ? 1 : 0;
  sums[terms.size() + 1] = options_.budget.minutes > 0 && elapsed() >= options_.budget.minutes * 60 ? 1 : 0;
  comm_->all_reduce_sum(sums);
  for (std::size_t i = 0; i < terms.size(); ++i) terms[i].second = sums[i];
  any_stop_ = sums[terms.size()] > 0;
  any_time_up_ = sums[terms.size() + 1] > 0;
  return terms;
}

StepTerms Trainer::step(const Batch& batch) {
  StepContext ctx{gen_, state_.step, state_.total_steps, model_, optimizers_};
  double rows = static_cast<double>(batch.size());
  StepTerms terms = parallel_ ? parallel_step(batch, ctx, rows) : model_.training_step(batch, ctx);
  ++state_.step;
  require_finite_terms(state_.step, terms);
  for (const auto& [name, value] : terms) sums_.sums[name] += value * rows;
  sums_.rows += rows;
  return terms;
}

void Trainer::evaluate() {
  state_.seconds = elapsed();
  MetricRow row{{"step", state_.step},
                {"epoch", state_.num_batches > 0 ? static_cast<double>(state_.step) / static_cast<double>(state_.num_batches) : 0.0},
                {"seconds", state_.seconds}};
  for (const auto& [name, sum] : sums_.sums) row.emplace_back("train_" + name, sums_.mean(name));
  for (TrainerCallback* c : active_callbacks()) c->on_evaluate(state_, sums_, row);
  sync_generator();
  require_finite_parameters(state_.step, model_);  // before anything of this evaluation is written
  metrics_.push_back(std::move(row));
  sums_ = {};
  last_eval_step_ = state_.step;
  if (!options_.dir.empty() && leader()) write_file_atomic(options_.dir + "/metrics.jsonl", lines_of(metrics_));
  save();
  model_.train();
}

void Trainer::save() {
  require_finite_parameters(state_.step, model_);
  state_.seconds = elapsed();
  for (TrainerCallback* c : active_callbacks()) c->on_save(state_);
  sync_generator();
  if (!options_.dir.empty() && leader()) save_checkpoint(checkpoint_path(), checkpoint());
}

Trainer::Outcome Trainer::fit() {
  if (!loader_) throw core::ValueError("Trainer::fit: no training data");
  if (state_.num_batches == 0) throw core::ValueError("Trainer::fit: the training data is empty");
  if (state_.total_steps == 0 && !(options_.budget.minutes > 0))
    throw core::ValueError("Trainer: give a budget in epochs, steps or minutes");
  if (!options_.dir.empty() && leader()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.dir, ec);
    if (ec) throw DataError(fmt::format("Trainer: cannot create the run folder {}: {}", options_.dir, ec.message()));
    // A fresh run's history starts empty: an earlier run's rows left in the folder until
    // this run's first evaluation would, after an interruption, be taken up by resume()
    // as this run's own (those up to its checkpoint's step).
    if (state_.step == 0 && metrics_.empty() && std::filesystem::exists(options_.dir + "/metrics.jsonl"))
      write_file_atomic(options_.dir + "/metrics.jsonl", std::string());
  }
  std::int64_t session_steps = 0;
  const auto stop_requested = [&] {
    const bool asked = parallel_ ? any_stop_ : options_.stop_flag && options_.stop_flag->load();
    return ++session_steps == options_.stop_after_steps || asked;
  };
  model_.train();
  if (parallel_) {
    parallel_->broadcast(model_.parameters());  // rank 0's weights, whatever each rank drew or loaded
    any_time_up_ = distributed::any_rank(*comm_, options_.budget.minutes > 0 && elapsed() >= options_.budget.minutes * 60);
  }
  while (!budget_spent()) {
    const std::int64_t epoch = state_.step / state_.num_batches, skip = state_.step % state_.num_batches;
    epoch_start_ = std::chrono::steady_clock::now();
    for (TrainerCallback* c : active_callbacks()) c->on_epoch_begin(state_, skip);
    std::int64_t i = 0;
    for (auto it = loader_->iterate(static_cast<std::uint64_t>(epoch)); it != loader_->end() && !budget_spent(); ++it, ++i) {
      if (i < skip) continue;
      const StepTerms terms = step(*it);
      state_.seconds = elapsed();
      state_.epoch_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
      for (TrainerCallback* c : active_callbacks()) c->on_step_end(state_, terms, sums_);
      const bool epoch_done = state_.step % state_.num_batches == 0;
      if ((options_.eval_every_steps > 0 && state_.step % options_.eval_every_steps == 0) ||
          (options_.eval_every_epoch && epoch_done))
        evaluate();
      if (stop_requested()) {
        save();
        return Outcome::Stopped;
      }
    }
  }
  if (options_.eval_at_end && last_eval_step_ != state_.step) evaluate();
  return Outcome::Finished;
}

}  // namespace xgrad::nn
