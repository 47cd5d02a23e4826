#include "image/classifier.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "common/cli.hpp"
#include "common/progress.hpp"
#include "common/run_state.hpp"
#include "image/commands.hpp"
#include "image/harness.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/layers/activation.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/flatten.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/serialize/safetensors.hpp"
#include "xgrad/nn/train/non_finite.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::apps {

namespace fs = std::filesystem;

namespace {

/// The side after a 3x3 convolution of stride 2 and padding 1: 28 -> 14 -> 7.
core::Index halved(core::Index side) { return (side - 1) / 2 + 1; }

const ClassifierShape& checked(const ClassifierShape& s) {
  if (s.channels < 1 || s.height < 1 || s.width < 1 || s.classes < 2)
    throw UsageError(fmt::format("the classifier needs images and at least 2 classes (got {}x{}x{}, {} classes)",
                                 s.channels, s.height, s.width, s.classes));
  return s;
}

}  // namespace

Classifier::Classifier(core::Generator& gen, const ClassifierShape& s) : shape(checked(s)) {
  const core::Index features = 32 * halved(halved(s.height)) * halved(halved(s.width));
  body = register_module("body", nn::make<nn::Sequential>(
      nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = s.channels, .out = 16, .stride = {2, 2}, .padding = {1, 1}}, gen),
      nn::make<nn::ReLU>(),
      nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 16, .out = 32, .stride = {2, 2}, .padding = {1, 1}}, gen),
      nn::make<nn::ReLU>(), nn::make<nn::Flatten>(),
      nn::make<nn::Linear>(nn::LinearOptions{features, 128}, gen), nn::make<nn::ReLU>()));
  head = register_module("head", nn::make<nn::Sequential>(nn::make<nn::Linear>(nn::LinearOptions{128, s.classes}, gen)));
}

core::Shape Classifier::image_shape(core::Index batch) const {
  return core::Shape({batch, shape.channels, shape.height, shape.width});
}

nn::StepTerms Classifier::training_step(const nn::Batch& batch, nn::StepContext& ctx) {
  return {{"cross_entropy", ctx.minimize(nn::cross_entropy(forward(nn::Var(batch.x)), batch.labels))}};
}

nn::Var Classifier::forward(const nn::Var& x) {
  const auto& v = x.value();
  nn::Var img = x;
  if (v.dim() == 2) img = autograd::reshape(x, image_shape(v.size(0)));
  return head->forward(body->forward(img));
}

core::Tensor<float> Classifier::features(const core::Tensor<float>& x) {
  autograd::NoGradGuard no_grad;
  eval();
  core::Tensor<float> img = x.reshape(image_shape(x.size(0)));
  return body->forward(nn::Var(img)).value();
}

namespace {

core::Tensor<float> inference_logits(Classifier& c, const core::Tensor<float>& x) {
  autograd::NoGradGuard no_grad;
  c.eval();
  return c.forward(nn::Var(x)).value();  // forward() reshapes flat rows to the classifier's images
}

}  // namespace

core::Tensor<float> Classifier::probabilities(const core::Tensor<float>& x) {
  autograd::NoGradGuard no_grad;
  return autograd::softmax(nn::Var(inference_logits(*this, x)), 1).value();
}

std::vector<int> Classifier::predict(const core::Tensor<float>& x) {
  const core::Tensor<float> logits = inference_logits(*this, x);
  const core::Index k = shape.classes;
  std::vector<int> out(static_cast<std::size_t>(logits.size(0)));
  for (core::Index i = 0; i < logits.size(0); ++i) {
    int best = 0;
    for (int c = 1; c < k; ++c)
      if (logits.data()[i * k + c] > logits.data()[i * k + best]) best = c;
    out[static_cast<std::size_t>(i)] = best;
  }
  return out;
}

std::string classifier_cache_path() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  std::string base;
  if (xdg && *xdg) base = xdg;
  else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.cache";
  else base = "/tmp";
  return base + "/xgrad/classifier.safetensors";
}

namespace {

double accuracy(Classifier& c, const nn::Dataset& test) {
  nn::DataLoader loader(std::shared_ptr<const nn::Dataset>(&test, [](const nn::Dataset*) {}),
                        {.batch_size = 500, .shuffle = false});
  double right = 0, n = 0;
  for (const nn::Batch& b : loader) {
    auto p = c.predict(b.x);
    for (std::size_t i = 0; i < p.size(); ++i) right += p[i] == b.labels.data()[i];
    n += static_cast<double>(p.size());
  }
  return right / std::max(n, 1.0);
}

void save_classifier(const std::string& path, const Classifier& c) {
  save_module_file(path, c, "classifier", nlohmann::json::object());
}

/// A progress bar per epoch showing the step's loss.
class EpochBars : public nn::TrainerCallback {
 public:
  EpochBars(std::string what, int epochs, bool quiet) : what_(std::move(what)), epochs_(epochs), quiet_(quiet) {}
  void on_epoch_begin(const nn::TrainState& state, std::int64_t) override {
    if (bar_) bar_->finish();
    if (quiet_) return;
    const std::string of = epochs_ > 0 ? fmt::format("/{}", epochs_) : "";  // a budget of steps has no epoch count
    bar_ = std::make_unique<Progress>(fmt::format("{} epoch {}{}", what_, state.epoch() + 1, of), state.num_batches);
  }
  void on_step_end(const nn::TrainState&, const nn::StepTerms& terms, const nn::TermSums&) override {
    if (bar_) bar_->tick(1, fmt::format("loss {:.3f}", terms.front().second));
  }
  ~EpochBars() override {
    if (bar_) bar_->finish();
  }

 private:
  std::string what_;
  int epochs_;
  bool quiet_;
  std::unique_ptr<Progress> bar_;
};

}  // namespace

std::shared_ptr<Classifier> fit_classifier(std::shared_ptr<const nn::Dataset> train, const ClassifierShape& shape,
                                           const nn::Budget& budget, std::uint64_t seed, bool quiet) {
  core::Generator gen(seed);
  auto c = std::make_shared<Classifier>(gen, shape);
  nn::Trainer trainer(*c, gen, std::move(train),
                      {.budget = budget, .batch_size = 128, .seed = seed, .optimizer = {.lr = 2e-3},
                       .eval_at_end = false, .stop_flag = &g_stop_requested});
  EpochBars bars("classifier", static_cast<int>(budget.epochs), quiet);
  trainer.add_callback(bars);
  if (trainer.fit() == nn::Trainer::Outcome::Stopped)
    throw Interrupted("interrupted while training the classifier; nothing written");
  c->eval();
  return c;
}

double classifier_accuracy(Classifier& c, const nn::Dataset& test) { return accuracy(c, test); }

double train_classifier(const std::string& data_dir, const std::string& path, const nn::Budget& budget,
                        std::uint64_t seed, bool quiet) {
  Datasets ds = load_fashion_mnist({.dir = data_dir, .flatten = false});
  const std::shared_ptr<Classifier> c = fit_classifier(ds.train, {}, budget, seed, quiet);
  const double acc = accuracy(*c, *ds.test);
  fs::create_directories(fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path());
  save_classifier(path, *c);
  return acc;
}

std::shared_ptr<Classifier> load_or_train_classifier(const std::string& data_dir) {
  const std::string path = classifier_cache_path();
  if (!fs::exists(path)) {
    fmt::print(stderr, "xgrad: no classifier at {}; training one (about a minute)\n", path);
    const double acc = train_classifier(data_dir, path, {.epochs = 4}, 1, false);
    fmt::print(stderr, "xgrad: classifier test accuracy {:.4f}, saved to {}\n", acc, path);
  }
  core::Generator gen(0);
  auto c = std::make_shared<Classifier>(gen);
  try {
    load_module_file(path, *c, "classifier");
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}; delete it to retrain", e.what()));
  }
  c->eval();
  return c;
}

double conditional_accuracy(models::GenerativeModel& model, std::uint64_t seed, std::int64_t n,
                            const std::string& data_dir) {
  auto c = load_or_train_classifier(data_dir);
  autograd::NoGradGuard no_grad;
  model.eval();
  core::Generator gen(seed);
  core::IndexTensor labels(core::Shape({n}));
  for (std::int64_t i = 0; i < n; ++i) labels.data()[i] = i % 10;
  auto pred = c->predict(flat_images(model.sample(n, gen, labels)));
  double right = 0;
  for (std::int64_t i = 0; i < n; ++i) right += pred[static_cast<std::size_t>(i)] == i % 10;
  return right / static_cast<double>(std::max<std::int64_t>(n, 1));
}

namespace {

/// The flags of `xgrad classifier train`.
struct ClassifierTrainFlags {
  CommonOptions common;
  std::string data = "/usr/share/datasets/fashion-mnist";
  int epochs = 4;
  std::int64_t steps = 0;  ///< instead of epochs: a quick classifier (tests score samples with one)
};

void run_classifier_train(const ClassifierTrainFlags& o) {
  apply_common_options(o.common);
  if (o.steps < 0) throw UsageError(fmt::format("--steps must be >= 0 (got {})", o.steps));
  if (o.steps == 0) require_positive("--epochs", o.epochs);
  install_stop_handlers();
  const std::string path = o.common.out.empty() ? classifier_cache_path() : o.common.out;
  const nn::Budget budget = o.steps > 0 ? nn::Budget{.steps = o.steps} : nn::Budget{.epochs = o.epochs};
  const double acc = train_classifier(o.data, path, budget, o.common.seed);
  std::printf("{\"test_accuracy\": %.4f, \"path\": \"%s\"}\n", acc, path.c_str());
}

}  // namespace

void add_classifier_command(CLI::App& app) {
  auto o = std::make_shared<ClassifierTrainFlags>();
  auto* cls = app.add_subcommand("classifier", "The built-in Fashion-MNIST classifier used to score samples");
  cls->require_subcommand(1);
  auto* cmd = cls->add_subcommand("train", "Train it and store it (default: the cache, " + classifier_cache_path() + ")");
  cmd->add_option("--data", o->data, "Fashion-MNIST directory")->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Epochs")->capture_default_str();
  cmd->add_option("--steps", o->steps, "Train for this many steps (batch 128) instead of --epochs (0: epochs)")
      ->capture_default_str();
  add_common_options(*cmd, o->common, "Where to write the classifier (.safetensors)", false);
  cmd->callback([o] { run_classifier_train(*o); });
}

}  // namespace xgrad::apps
