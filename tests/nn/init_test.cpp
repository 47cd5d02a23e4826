#include "xgrad/nn/init.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "xgrad/core/elementwise.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/embedding.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/norm.hpp"
#include "xgrad/nn/layers/rnn.hpp"

using namespace xgrad;
using nn::Index;
using nn::Shape;
using nn::Tensor;
namespace init = nn::init;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats(const Tensor& t) {
  Stats s{0, 0, t.data()[0], t.data()[0]};
  for (float v : t) {
    s.mean += v;
    s.min = std::min<double>(s.min, v);
    s.max = std::max<double>(s.max, v);
  }
  s.mean /= static_cast<double>(t.numel());
  for (float v : t) s.std += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(s.std / static_cast<double>(t.numel() - 1));
  return s;
}

// Draws filling the (lo, hi) bound up to its edges: uniform over +-bound.
void check_uniform(const Tensor& t, double bound) {
  const Stats s = stats(t);
  CHECK(s.min >= -bound);
  CHECK(s.max <= bound);
  CHECK(s.min < -0.99 * bound);
  CHECK(s.max > 0.99 * bound);
  CHECK(s.mean == Approx(0).margin(0.02 * bound));
  CHECK(s.std == Approx(bound / std::sqrt(3.0)).epsilon(0.02));
}

void check_normal(const Tensor& t, double mean, double stddev) {
  const Stats s = stats(t);
  CHECK(s.mean == Approx(mean).margin(0.02 * stddev));
  CHECK(s.std == Approx(stddev).epsilon(0.02));
}

// max |A B^T - I| over all entries, A and B (n, k) read as rows.
double gram_error(const Tensor& a, Index n, Index k) {
  double worst = 0;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      double dot = 0;
      for (Index l = 0; l < k; ++l) dot += static_cast<double>(a.data()[i * k + l]) * a.data()[j * k + l];
      worst = std::max(worst, std::abs(dot - (i == j ? 1.0 : 0.0)));
    }
  return worst;
}

Tensor transpose2(const Tensor& a) {
  Tensor t({a.size(1), a.size(0)});
  for (Index i = 0; i < a.size(0); ++i)
    for (Index j = 0; j < a.size(1); ++j) t.data()[j * a.size(0) + i] = a.data()[i * a.size(1) + j];
  return t;
}

}  // namespace

TEST_CASE("uniform_ and normal_ draw the requested distribution", "[init]") {
  core::Generator gen(1);
  Tensor t({200, 500});
  init::uniform_(t, -2.0, 3.0, gen);
  const Stats u = stats(t);
  CHECK(u.min >= -2.0);
  CHECK(u.max < 3.0);
  CHECK(u.mean == Approx(0.5).margin(0.02));
  CHECK(u.std == Approx(5.0 / std::sqrt(12.0)).epsilon(0.01));
  init::normal_(t, 1.5, 0.25, gen);
  check_normal(t, 1.5, 0.25);
}

TEST_CASE("constant_, zeros_ and ones_ fill every element", "[init]") {
  Tensor t({3, 4});
  init::constant_(t, 2.5);
  CHECK(core::equal(t, Tensor::full({3, 4}, 2.5f)));
  init::zeros_(t);
  CHECK(core::equal(t, Tensor::zeros({3, 4})));
  init::ones_(t);
  CHECK(core::equal(t, Tensor::ones({3, 4})));
}

TEST_CASE("calculate_gain gives PyTorch's gains", "[init]") {
  CHECK(init::calculate_gain(init::Nonlinearity::Linear) == 1.0);
  CHECK(init::calculate_gain(init::Nonlinearity::Sigmoid) == 1.0);
  CHECK(init::calculate_gain(init::Nonlinearity::Tanh) == Approx(5.0 / 3.0));
  CHECK(init::calculate_gain(init::Nonlinearity::ReLU) == Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain(init::Nonlinearity::LeakyReLU, 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  CHECK(init::calculate_gain(init::Nonlinearity::LeakyReLU) == Approx(std::sqrt(2.0 / 1.0001)));
}

TEST_CASE("fans count the receptive field and need two dimensions", "[init]") {
  CHECK(init::fans({400, 784}) == std::pair<Index, Index>{784, 400});
  CHECK(init::fans({32, 3, 5, 5}) == std::pair<Index, Index>{75, 800});
  CHECK_THROWS_AS(init::fans({10}), core::ShapeError);
}

TEST_CASE("xavier_uniform_ and xavier_normal_ scale by fan_in + fan_out", "[init]") {
  core::Generator gen(2);
  Tensor t({300, 500});
  init::xavier_uniform_(t, gen, 2.0);
  check_uniform(t, 2.0 * std::sqrt(6.0 / 800.0));
  init::xavier_normal_(t, gen);
  check_normal(t, 0.0, std::sqrt(2.0 / 800.0));
}

TEST_CASE("kaiming_uniform_ and kaiming_normal_ use the gain over sqrt(fan) of the chosen mode", "[init]") {
  core::Generator gen(3);
  Tensor t({250, 400});
  init::kaiming_uniform_(t, gen, 0.0, init::FanMode::FanIn, init::Nonlinearity::ReLU);
  check_uniform(t, std::sqrt(2.0) * std::sqrt(3.0 / 400.0));
  init::kaiming_uniform_(t, gen, 0.0, init::FanMode::FanOut, init::Nonlinearity::ReLU);
  check_uniform(t, std::sqrt(2.0) * std::sqrt(3.0 / 250.0));
  init::kaiming_normal_(t, gen, 0.0, init::FanMode::FanIn, init::Nonlinearity::Tanh);
  check_normal(t, 0.0, 5.0 / 3.0 / std::sqrt(400.0));
  // a = sqrt(5) with leaky_relu: PyTorch's Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  init::kaiming_uniform_(t, gen, std::sqrt(5.0));
  check_uniform(t, 1.0 / std::sqrt(400.0));
}

TEST_CASE("orthogonal_ gives orthonormal rows of a square or wide matrix", "[init]") {
  core::Generator gen(4);
  Tensor square({64, 64}), wide({20, 50});
  init::orthogonal_(square, gen);
  init::orthogonal_(wide, gen);
  CHECK(gram_error(square, 64, 64) < 1e-5);
  CHECK(gram_error(wide, 20, 50) < 1e-5);
}

TEST_CASE("orthogonal_ gives orthonormal columns of a tall matrix, scaled by the gain", "[init]") {
  core::Generator gen(5);
  Tensor tall({50, 20});
  init::orthogonal_(tall, gen, 1.0);
  CHECK(gram_error(transpose2(tall), 20, 50) < 1e-5);
  Tensor scaled({50, 20});
  core::Generator same(5);
  init::orthogonal_(scaled, same, 3.0);
  CHECK(core::allclose(scaled, core::mul(tall, 3.f), 1e-6, 1e-6));
}

TEST_CASE("orthogonal_ is the Q of the QR of a normal matrix with R's diagonal positive, like torch", "[init]") {
  // Redraw the same normal matrix A (rows x cols, row-major): R = Q^T A must be upper
  // triangular with a positive diagonal.
  const Index rows = 12, cols = 5;
  core::Generator gen(6), again(6);
  Tensor q({rows, cols});
  init::orthogonal_(q, gen);
  std::vector<double> a(static_cast<std::size_t>(rows * cols));
  for (double& v : a) v = again.normal();
  for (Index i = 0; i < cols; ++i)
    for (Index j = 0; j < cols; ++j) {
      double r = 0;
      for (Index k = 0; k < rows; ++k) r += q.data()[k * cols + i] * a[static_cast<std::size_t>(k * cols + j)];
      if (i > j) CHECK(r == Approx(0).margin(1e-5));
      if (i == j) CHECK(r > 0);
    }
}

TEST_CASE("orthogonal_ flattens trailing axes and needs two dimensions", "[init]") {
  core::Generator gen(7);
  Tensor w({8, 2, 3, 3});
  init::orthogonal_(w, gen);
  CHECK(gram_error(w, 8, 18) < 1e-5);
  Tensor v({5});
  CHECK_THROWS_AS(init::orthogonal_(v, gen), core::ShapeError);
}

TEST_CASE("init functions take a parameter variable as well as a tensor", "[init]") {
  core::Generator gen(8);
  nn::Var w(Tensor::zeros({30, 40}), true);
  init::xavier_uniform_(w, gen);
  CHECK(stats(w.value()).max <= std::sqrt(6.0 / 70.0));
  CHECK(stats(w.value()).max > 0);
  CHECK(w.requires_grad());
}

TEST_CASE("Linear and Conv2d default to U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias", "[init]") {
  core::Generator gen(9);
  nn::Linear fc({.in = 784, .out = 400}, gen);
  check_uniform(fc.weight.value(), 1.0 / std::sqrt(784.0));
  CHECK(stats(fc.bias.value()).max <= 1.0 / std::sqrt(784.0));
  CHECK(stats(fc.bias.value()).min >= -1.0 / std::sqrt(784.0));
  nn::Conv2d conv({.in = 16, .out = 64, .kernel = {5, 5}}, gen);
  check_uniform(conv.weight.value(), 1.0 / std::sqrt(16.0 * 25.0));
  CHECK(stats(conv.bias.value()).max <= 1.0 / std::sqrt(400.0));
}

TEST_CASE("ConvTranspose2d takes fan_in from its weight's second axis, as PyTorch does", "[init]") {
  core::Generator gen(10);
  nn::ConvTranspose2d deconv({.in = 64, .out = 16, .kernel = {4, 4}}, gen);
  check_uniform(deconv.weight.value(), 1.0 / std::sqrt(16.0 * 16.0));
}

TEST_CASE("recurrent layers default to U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter", "[init]") {
  core::Generator gen(11);
  nn::GRU gru({.in = 100, .hidden = 256, .layers = 2}, gen);
  for (const auto& [name, p] : gru.named_parameters()) {
    INFO(name);
    const Stats s = stats(p.value());
    CHECK(s.max <= 1.0 / 16.0);
    CHECK(s.min >= -1.0 / 16.0);
  }
  check_uniform(gru.weights[1].weight_hh.value(), 1.0 / 16.0);
  nn::LSTMCell cell({.in = 300, .hidden = 100}, gen);
  check_uniform(cell.w.weight_ih.value(), 0.1);
}

TEST_CASE("Embedding defaults to N(0, 1) and norms to ones and zeros", "[init]") {
  core::Generator gen(12);
  nn::Embedding emb({.num = 1000, .dim = 64}, gen);
  check_normal(emb.weight.value(), 0.0, 1.0);
  nn::LayerNorm ln({.shape = {5}});
  CHECK(core::equal(ln.weight.value(), Tensor::ones({5})));
  CHECK(core::equal(ln.bias.value(), Tensor::zeros({5})));
  nn::BatchNorm2d bn({.features = 3});
  CHECK(core::equal(bn.weight.value(), Tensor::ones({3})));
  CHECK(core::equal(bn.running_var.value(), Tensor::ones({3})));
  CHECK(core::equal(bn.running_mean.value(), Tensor::zeros({3})));
}
