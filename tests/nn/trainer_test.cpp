// The one training loop: budgets, evaluation cadence, metrics, checkpoints and a
// bit-for-bit resume, stop requests, optimizers from options, and NaN stops.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/sgd.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/nn/train/trainer.hpp"

using namespace xgrad;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

/// y = x W + noise drawn from the step's generator, so a resume needs the generator's state.
struct Regression : nn::Trainable {
  std::shared_ptr<nn::Linear> fc;
  float poison = 0;  ///< added to the loss when non-zero (a NaN makes the step fail)
  explicit Regression(core::Generator& gen) { fc = register_module("fc", nn::make<nn::Linear>(nn::LinearOptions{3, 2}, gen)); }
  nn::StepTerms training_step(const nn::Batch& b, nn::StepContext& ctx) override {
    const nn::Tensor noise = core::normal<float>({b.size(), 2}, 0.f, 0.1f, ctx.gen);
    nn::Var loss = nn::mse(fc->forward(nn::Var(b.x)), core::add(b.y, noise));
    if (poison != 0) loss = autograd::add(loss, poison);
    const double value = ctx.minimize(loss);
    return {{"loss", value}, {"step_seen", static_cast<double>(ctx.step)}};
  }
};

std::shared_ptr<nn::TensorDataset> data(core::Index n) {
  core::Generator gen(99);
  nn::Tensor x = core::normal<float>({n, 3}, 0.f, 1.f, gen), y({n, 2});
  for (core::Index i = 0; i < n; ++i) {
    y.data()[2 * i] = x.data()[3 * i] - 2 * x.data()[3 * i + 1];
    y.data()[2 * i + 1] = 0.5f * x.data()[3 * i + 2];
  }
  return std::make_shared<nn::TensorDataset>(x, y);
}

std::string fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("xgrad-trainer-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

nn::TrainerOptions options(const std::string& dir) {
  return {.budget = {.epochs = 3}, .batch_size = 8, .seed = 5, .eval_every_epoch = true, .dir = dir};
}

std::vector<float> weights(const nn::Module& m) { return m.state_dict()[0].second.to_vector(); }

int lines(const std::string& path) {
  std::ifstream f(path);
  int n = 0;
  for (std::string l; std::getline(f, l);) ++n;
  return n;
}

}  // namespace

TEST_CASE("a trainer runs its budget, evaluates each epoch and writes metrics and a checkpoint", "[trainer]") {
  const std::string dir = fresh_dir("epochs");
  core::Generator gen(1);
  Regression model(gen);
  nn::Trainer t(model, gen, data(40), options(dir));  // 5 batches an epoch
  REQUIRE(t.fit() == nn::Trainer::Outcome::Finished);
  CHECK(t.state().step == 15);
  REQUIRE(t.metrics().size() == 3);
  CHECK(lines(dir + "/metrics.jsonl") == 3);
  CHECK(fs::exists(dir + "/checkpoint.safetensors"));
  // The rows hold the step and the training means since the previous row.
  const auto& last = t.metrics().back();
  CHECK(std::get<std::int64_t>(last[0].second) == 15);
  bool has_loss = false;
  for (const auto& [k, v] : last) has_loss = has_loss || (k == "train_loss" && std::get<double>(v) > 0);
  CHECK(has_loss);
  CHECK(t.metrics().front() != t.metrics().back());
}

TEST_CASE("training steps see the step count, so schedules need no state of their own", "[trainer]") {
  core::Generator gen(2);
  Regression model(gen);
  nn::Trainer t(model, gen, data(16), {.budget = {.steps = 3}, .batch_size = 8, .eval_at_end = false});
  t.fit();
  std::vector<double> seen;
  core::Generator gen2(2);
  Regression again(gen2);
  nn::Trainer manual(again, gen2, nullptr, {.batch_size = 8});
  for (int i = 0; i < 3; ++i) seen.push_back(manual.step(data(16)->get_batch({0, 1}))[1].second);
  CHECK(seen == std::vector<double>{0, 1, 2});
  CHECK(t.state().step == 3);
}

TEST_CASE("a run stopped mid-epoch and resumed ends with the same bits as an uninterrupted one", "[trainer]") {
  const std::string a = fresh_dir("straight"), b = fresh_dir("stopped");
  core::Generator g1(3);
  Regression straight(g1);
  nn::Trainer t1(straight, g1, data(40), options(a));
  t1.fit();

  core::Generator g2(3);
  Regression stopped(g2);
  nn::TrainerOptions o = options(b);
  o.stop_after_steps = 7;  // epoch 2, batch 3
  nn::Trainer t2(stopped, g2, data(40), o);
  REQUIRE(t2.fit() == nn::Trainer::Outcome::Stopped);
  CHECK(t2.state().step == 7);

  core::Generator g3(12345);  // another seed: everything must come from the checkpoint
  Regression resumed(g3);
  nn::Trainer t3(resumed, g3, data(40), options(b));
  t3.resume();
  CHECK(t3.state().step == 7);
  REQUIRE(t3.fit() == nn::Trainer::Outcome::Finished);
  CHECK(weights(resumed) == weights(straight));
  CHECK(g3.state().s == g1.state().s);
  REQUIRE(t3.metrics().size() == 3);
  auto as_map = [](const nn::MetricRow& row) {  // rows read back from metrics.jsonl come in key order
    std::map<std::string, nn::MetricValue> m(row.begin(), row.end());
    m.erase("seconds");  // wall-clock time differs
    return m;
  };
  for (std::size_t i = 0; i < 3; ++i) CHECK(as_map(t3.metrics()[i]) == as_map(t1.metrics()[i]));
  CHECK(lines(b + "/metrics.jsonl") == 3);
}

TEST_CASE("a stop request ends the run after the step with a checkpoint", "[trainer]") {
  const std::string dir = fresh_dir("flag");
  core::Generator gen(4);
  Regression model(gen);
  std::atomic<bool> stop{true};
  nn::TrainerOptions o = options(dir);
  o.stop_flag = &stop;
  nn::Trainer t(model, gen, data(40), o);
  CHECK(t.fit() == nn::Trainer::Outcome::Stopped);
  CHECK(t.state().step == 1);
  CHECK(fs::exists(dir + "/checkpoint.safetensors"));
}

TEST_CASE("a resume with other data, batch or seed is refused naming the checkpoint", "[trainer]") {
  const std::string dir = fresh_dir("mismatch");
  core::Generator gen(5);
  Regression model(gen);
  nn::Trainer(model, gen, data(40), options(dir)).fit();
  nn::TrainerOptions o = options(dir);
  o.seed = 6;
  nn::Trainer other(model, gen, data(40), o);
  CHECK_THROWS_WITH(other.resume(), Contains("checkpoint.safetensors: was written with other data, --batch or --seed"));
  nn::Trainer smaller(model, gen, data(32), options(dir));
  CHECK_THROWS_WITH(smaller.resume(), Contains("was written with other data"));
  nn::Trainer none(model, gen, data(40), options(fresh_dir("none")));
  CHECK_THROWS_WITH(none.resume(), Contains("resume: no checkpoint at"));
}

TEST_CASE("a NaN loss stops training naming the step and keeps the last checkpoint", "[trainer]") {
  const std::string dir = fresh_dir("nan");
  core::Generator gen(6);
  Regression model(gen);
  nn::Trainer(model, gen, data(40), options(dir)).fit();
  const auto before = fs::file_size(dir + "/checkpoint.safetensors");
  const auto good = weights(model);
  model.poison = std::numeric_limits<float>::quiet_NaN();
  nn::TrainerOptions o = options(dir);
  o.budget.epochs = 4;
  nn::Trainer t(model, gen, data(40), o);
  t.resume();
  CHECK_THROWS_WITH(t.fit(), Contains("step 16: the training loss term 'loss' is nan"));
  CHECK(fs::file_size(dir + "/checkpoint.safetensors") == before);
  CHECK(lines(dir + "/metrics.jsonl") == 3);
  (void)good;
}

TEST_CASE("budgets: epochs or steps, not both; a minutes budget stops by the clock", "[trainer]") {
  core::Generator gen(7);
  Regression model(gen);
  CHECK_THROWS_WITH(nn::Trainer(model, gen, data(8), {.budget = {.epochs = 1, .steps = 1}}), Contains("not both"));
  CHECK_THROWS_WITH(nn::Trainer(model, gen, data(8), {.budget = {.epochs = -1}}), Contains("must not be negative"));
  CHECK_THROWS_WITH(nn::Trainer(model, gen, data(8), {}).fit(), Contains("give a budget"));
  nn::Trainer timed(model, gen, data(8), {.budget = {.minutes = 1e-9}, .batch_size = 8});
  CHECK(timed.fit() == nn::Trainer::Outcome::Finished);
  CHECK(timed.state().step == 0);  // the clock ran out before the first step
  nn::Trainer steps(model, gen, data(40), {.budget = {.steps = 12}, .batch_size = 8, .eval_every_steps = 5});
  steps.fit();
  REQUIRE(steps.metrics().size() == 3);  // at 5, 10 and the end (12)
  CHECK(std::get<std::int64_t>(steps.metrics()[2][0].second) == 12);
}

TEST_CASE("optimizers come from options: type, rate, clipping and a learning-rate schedule", "[trainer]") {
  core::Generator gen(8);
  Regression model(gen);
  nn::Trainer sgd(model, gen, nullptr, {.optimizer = {.type = "sgd", .lr = 0.1, .momentum = 0.9, .lr_schedule = "step:2:0.5"}});
  REQUIRE(sgd.optimizers().size() == 1);
  CHECK(sgd.optimizers().named()[0].first == "sgd");
  CHECK(dynamic_cast<nn::SGD*>(&sgd.optimizers().at()) != nullptr);
  const nn::Batch b = data(8)->get_batch({0, 1, 2, 3});
  sgd.step(b);
  CHECK(sgd.optimizers().at().lr() == Approx(0.1));
  sgd.step(b);
  CHECK(sgd.optimizers().at().lr() == Approx(0.05));  // halved every 2 steps
  nn::Trainer adamw(model, gen, nullptr, {.optimizer = {.type = "adamw", .weight_decay = 0.01}});
  CHECK(dynamic_cast<nn::AdamW*>(&adamw.optimizers().at()) != nullptr);
  CHECK_THROWS_WITH(nn::Trainer(model, gen, nullptr, {.optimizer = {.type = "lbfgs"}}), Contains("unknown optimizer 'lbfgs'"));
  CHECK_THROWS_WITH(nn::Trainer(model, gen, nullptr, {.optimizer = {.lr_schedule = "cosine:0"}}),
                    Contains("not a positive whole number"));
  // Clipping: with clip_norm the update of plain SGD is at most lr * clip.
  core::Generator g2(9);
  Regression clipped(g2);
  const auto w0 = weights(clipped);
  nn::Trainer c(clipped, g2, nullptr, {.optimizer = {.type = "sgd", .lr = 1.0, .clip_norm = 1e-3}});
  c.step(b);
  double moved = 0;
  const auto w1 = weights(clipped);
  for (std::size_t i = 0; i < w0.size(); ++i) moved += (w1[i] - w0[i]) * (w1[i] - w0[i]);
  CHECK(std::sqrt(moved) <= 1e-3 * 1.0001);
}

namespace {
/// Two parameter sets updated in turn by two optimizers (the AAE's pattern).
struct TwoPhase : nn::Trainable {
  std::shared_ptr<nn::Linear> a, b;
  explicit TwoPhase(core::Generator& gen) {
    a = register_module("a", nn::make<nn::Linear>(nn::LinearOptions{3, 2}, gen));
    b = register_module("b", nn::make<nn::Linear>(nn::LinearOptions{2, 2}, gen));
  }
  std::vector<nn::OptimizerSpec> optimizer_specs(const nn::OptimizerOptions& o) override {
    return {{"first", {{a->parameters(), o.lr}}, o}, {"second", {{b->parameters(), 0.5}}, {.type = "sgd", .lr = 0.5}}};
  }
  nn::StepTerms training_step(const nn::Batch& batch, nn::StepContext& ctx) override {
    const double l1 = ctx.minimize(nn::mse(a->forward(nn::Var(batch.x)), batch.y), "first");
    const double l2 = ctx.minimize(nn::mse(b->forward(nn::Var(batch.y)), batch.y), "second");
    return {{"loss", l1 + l2}};
  }
};
}  // namespace

TEST_CASE("a model with several optimizers minimises each phase with the one it names", "[trainer]") {
  const std::string dir = fresh_dir("phases");
  core::Generator gen(10);
  TwoPhase model(gen);
  nn::Trainer t(model, gen, data(16), {.budget = {.steps = 2}, .batch_size = 8, .dir = dir});
  t.fit();
  const auto named = t.optimizers().named();
  REQUIRE(named.size() == 2);
  CHECK(named[0].first == "first");
  CHECK(named[0].second->steps() == 2);
  CHECK(named[1].second->steps() == 2);
  CHECK(named[1].second->lr() == 0.5);
  CHECK_THROWS_WITH(t.optimizers().at("third"), Contains("no optimizer named 'third' (the model has first, second)"));
  // The checkpoint holds both states under their names.
  const nn::Checkpoint ck = nn::load_checkpoint(dir + "/checkpoint.safetensors");
  REQUIRE(ck.optimizers.size() == 2);
  CHECK(ck.optimizers[1].first == "second");
}

TEST_CASE("a checkpoint that does not fit is refused before anything changes", "[trainer]") {
  const std::string dir = fresh_dir("nofit");
  core::Generator gen(11);
  Regression model(gen);
  nn::Trainer(model, gen, data(16), {.budget = {.steps = 2}, .batch_size = 8, .dir = dir}).fit();
  core::Generator g2(12);
  TwoPhase other(g2);
  const auto before = other.state_dict()[0].second.to_vector();
  const auto rng = g2.state().s;
  nn::Trainer t(other, g2, data(16), {.batch_size = 8, .dir = dir});
  CHECK_THROWS_WITH(t.resume(), Contains("does not fit the model: holds 1 optimizer states, the model has 2"));
  CHECK(other.state_dict()[0].second.to_vector() == before);
  CHECK(g2.state().s == rng);
  CHECK(t.state().step == 0);
}

TEST_CASE("a fresh run starts its folder's metrics over, so a resume never takes an earlier run's rows", "[trainer]") {
  const std::string dir = fresh_dir("fresh_metrics");
  {
    std::ofstream f(dir + "/metrics.jsonl");  // an earlier run's row, at a step this run reaches
    f << "{\"step\":3,\"train_loss\":9.0}\n";
  }
  core::Generator gen(14);
  Regression model(gen);
  nn::TrainerOptions o = options(dir);
  o.stop_after_steps = 4;  // interrupted before its first evaluation (step 5), checkpoint at step 4
  nn::Trainer(model, gen, data(40), o).fit();
  CHECK(lines(dir + "/metrics.jsonl") == 0);
  nn::Trainer t(model, gen, data(40), options(dir));
  t.resume();
  CHECK(t.metrics().empty());
}

TEST_CASE("on resume, metrics rows from past the checkpoint leave metrics.jsonl too", "[trainer]") {
  const std::string dir = fresh_dir("rows");
  core::Generator gen(13);
  Regression model(gen);
  nn::TrainerOptions o = options(dir);
  o.stop_after_steps = 7;  // one row (epoch 1, step 5), checkpoint at step 7
  nn::Trainer(model, gen, data(40), o).fit();
  REQUIRE(lines(dir + "/metrics.jsonl") == 1);
  {
    std::ofstream f(dir + "/metrics.jsonl", std::ios::app);  // a later run went on past the checkpoint
    f << "{\"step\":10,\"train_loss\":1.0}\n";
  }
  nn::Trainer t(model, gen, data(40), options(dir));
  t.resume();
  CHECK(t.metrics().size() == 1);
  CHECK(lines(dir + "/metrics.jsonl") == 1);
  CHECK(t.state().seconds > 0);  // the time of the earlier session carries over
}
