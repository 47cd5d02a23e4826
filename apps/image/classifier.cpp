#include "image/classifier.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "common/cli.hpp"
#include "common/progress.hpp"
#include "common/run_state.hpp"
#include "image/harness.hpp"
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

Classifier::Classifier(core::Generator& gen) {
  body = register_module("body", nn::make<nn::Sequential>(
      nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 16, .stride = {2, 2}, .padding = {1, 1}}, gen),
      nn::make<nn::ReLU>(),
      nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 16, .out = 32, .stride = {2, 2}, .padding = {1, 1}}, gen),
      nn::make<nn::ReLU>(), nn::make<nn::Flatten>(),
      nn::make<nn::Linear>(nn::LinearOptions{32 * 7 * 7, 128}, gen), nn::make<nn::ReLU>()));
  head = register_module("head", nn::make<nn::Sequential>(nn::make<nn::Linear>(nn::LinearOptions{128, 10}, gen)));
}

nn::StepTerms Classifier::training_step(const nn::Batch& batch, nn::StepContext& ctx) {
  return {{"cross_entropy", ctx.minimize(nn::cross_entropy(forward(nn::Var(batch.x)), batch.labels))}};
}

nn::Var Classifier::forward(const nn::Var& x) {
  const auto& v = x.value();
  nn::Var img = x;
  if (v.dim() == 2) img = autograd::reshape(x, core::Shape({v.size(0), 1, 28, 28}));
  return head->forward(body->forward(img));
}

core::Tensor<float> Classifier::features(const core::Tensor<float>& x) {
  autograd::NoGradGuard no_grad;
  eval();
  core::Tensor<float> img = x.reshape(core::Shape({x.size(0), 1, 28, 28}));
  return body->forward(nn::Var(img)).value();
}

std::vector<int> Classifier::predict(const core::Tensor<float>& x) {
  autograd::NoGradGuard no_grad;
  eval();
  core::Tensor<float> logits = forward(nn::Var(x.reshape(core::Shape({x.size(0), 784})))).value();
  std::vector<int> out(static_cast<std::size_t>(logits.size(0)));
  for (core::Index i = 0; i < logits.size(0); ++i) {
    int best = 0;
    for (int c = 1; c < 10; ++c)
      if (logits.data()[i * 10 + c] > logits.data()[i * 10 + best]) best = c;
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
    if (!quiet_) bar_ = std::make_unique<Progress>(fmt::format("{} epoch {}/{}", what_, state.epoch() + 1, epochs_), state.num_batches);
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

double train_classifier(const std::string& data_dir, const std::string& path, int epochs, std::uint64_t seed,
                        bool quiet) {
  require_positive("--epochs", epochs);
  Datasets ds = load_fashion_mnist({.dir = data_dir, .flatten = false});
  core::Generator gen(seed);
  Classifier c(gen);
  nn::Trainer trainer(c, gen, ds.train,
                      {.budget = {.epochs = epochs}, .batch_size = 128, .seed = seed, .optimizer = {.lr = 2e-3},
                       .eval_at_end = false, .stop_flag = &g_stop_requested});
  EpochBars bars("classifier", epochs, quiet);
  trainer.add_callback(bars);
  if (trainer.fit() == nn::Trainer::Outcome::Stopped)
    throw Interrupted("interrupted while training the classifier; nothing written");
  const double acc = accuracy(c, *ds.test);
  fs::create_directories(fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path());
  save_classifier(path, c);
  return acc;
}

std::shared_ptr<Classifier> load_or_train_classifier(const std::string& data_dir) {
  const std::string path = classifier_cache_path();
  if (!fs::exists(path)) {
    fmt::print(stderr, "xgrad: no classifier at {}; training one (about a minute)\n", path);
    const double acc = train_classifier(data_dir, path, 4, 1, false);
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

using Mat = std::vector<double>;  // row-major square

void mean_cov(const core::Tensor<float>& x, std::vector<double>& mu, Mat& cov) {
  const auto n = x.size(0), f = x.size(1);
  mu.assign(static_cast<std::size_t>(f), 0.0);
  cov.assign(static_cast<std::size_t>(f * f), 0.0);
  for (core::Index i = 0; i < n; ++i)
    for (core::Index j = 0; j < f; ++j) mu[j] += x.data()[i * f + j];
  for (auto& m : mu) m /= static_cast<double>(n);
  for (core::Index i = 0; i < n; ++i)
    for (core::Index j = 0; j < f; ++j) {
      const double dj = x.data()[i * f + j] - mu[j];
      for (core::Index k = j; k < f; ++k) cov[j * f + k] += dj * (x.data()[i * f + k] - mu[k]);
    }
  for (core::Index j = 0; j < f; ++j)
    for (core::Index k = j; k < f; ++k) cov[k * f + j] = cov[j * f + k] /= static_cast<double>(std::max<core::Index>(n - 1, 1));
}

// Symmetric eigen-decomposition by cyclic Jacobi rotations (F is small: 128).
void jacobi(Mat a, std::size_t n, std::vector<double>& w, Mat& v) {
  v.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-22) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq, a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk, a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq, v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  w.resize(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = a[i * n + i];
}

}  // namespace

double frechet_distance(const core::Tensor<float>& a, const core::Tensor<float>& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    throw core::ShapeError("frechet_distance: feature sets must be (N, F) with the same F");
  const auto f = static_cast<std::size_t>(a.size(1));
  std::vector<double> m1, m2, w;
  Mat s1, s2, v;
  mean_cov(a, m1, s1);
  mean_cov(b, m2, s2);
  // tr((S1 S2)^(1/2)) = sum sqrt(eig(R S2 R)) with R = S1^(1/2), a symmetric form.
  jacobi(s1, f, w, v);
  Mat r(f * f, 0.0);
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t j = 0; j < f; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < f; ++k) s += v[i * f + k] * std::sqrt(std::max(w[k], 0.0)) * v[j * f + k];
      r[i * f + j] = s;
    }
  Mat t(f * f, 0.0), m(f * f, 0.0);
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t k = 0; k < f; ++k)
      for (std::size_t j = 0; j < f; ++j) t[i * f + j] += r[i * f + k] * s2[k * f + j];
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t k = 0; k < f; ++k)
      for (std::size_t j = 0; j < f; ++j) m[i * f + j] += t[i * f + k] * r[k * f + j];
  jacobi(m, f, w, v);
  double tr_sqrt = 0;
  for (double e : w) tr_sqrt += std::sqrt(std::max(e, 0.0));
  double d = 0;
  for (std::size_t i = 0; i < f; ++i) d += (m1[i] - m2[i]) * (m1[i] - m2[i]) + s1[i * f + i] + s2[i * f + i];
  return d - 2 * tr_sqrt;
}

void add_classifier_command(CLI::App& app) {
  struct Opts {
    CommonOptions common;
    std::string data = "/usr/share/datasets/fashion-mnist";
    int epochs = 4;
  };
  auto o = std::make_shared<Opts>();
  auto* cls = app.add_subcommand("classifier", "The built-in Fashion-MNIST classifier used to score samples");
  cls->require_subcommand(1);
  auto* cmd = cls->add_subcommand("train", "Train it and store it (default: the cache, " + classifier_cache_path() + ")");
  cmd->add_option("--data", o->data, "Fashion-MNIST directory")->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Epochs")->capture_default_str();
  add_common_options(*cmd, o->common, "Where to write the classifier (.safetensors)", false);
  cmd->callback([o] {
    apply_common_options(o->common);
    install_stop_handlers();
    const std::string path = o->common.out.empty() ? classifier_cache_path() : o->common.out;
    const double acc = train_classifier(o->data, path, o->epochs, o->common.seed);
    std::printf("{\"test_accuracy\": %.4f, \"path\": \"%s\"}\n", acc, path.c_str());
  });
}

}  // namespace xgrad::apps
