// nn::VectorQuantizer: the nearest-code search, the straight-through gradient and
// the two losses, the EMA codebook update, restarts of dead codes, perplexity.
#include "xgrad/nn/layers/vector_quantizer.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"

using namespace xgrad;
using nn::Index;

namespace {

nn::Tensor randn(const core::Shape& shape, std::uint64_t seed, float scale = 1.0f) {
  core::Generator gen(seed);
  return core::normal<float>(shape, 0.0f, scale, gen);
}

/// The quantizer of K x D with its codebook set to `codebook`.
std::shared_ptr<nn::VectorQuantizer> with_codebook(const nn::Tensor& codebook, bool ema = false, double epsilon = 1e-5) {
  core::Generator gen(0);
  auto vq = nn::make<nn::VectorQuantizer>(
      nn::VectorQuantizerOptions{.codes = codebook.size(0), .dim = codebook.size(1), .ema = ema, .epsilon = epsilon}, gen);
  vq->codebook.value_mut() = codebook;
  if (ema) {  // the EMA sums start at the codebook
    nn::StateDict state = vq->state_dict();
    for (auto& [key, value] : state)
      if (key == "ema_sum") value = codebook;
    vq->load_state_dict(state);
  }
  return vq;
}

}  // namespace

TEST_CASE("nearest() finds the code a brute-force search over squared distances finds", "[vq]") {
  const nn::Tensor z = randn({200, 5}, 1), e = randn({37, 5}, 2);
  const auto vq = with_codebook(e);
  const core::IndexTensor codes = vq->nearest(z);
  for (Index i = 0; i < z.size(0); ++i) {
    Index best = -1;
    double best_d = std::numeric_limits<double>::infinity();
    for (Index k = 0; k < e.size(0); ++k) {
      double d = 0;
      for (Index j = 0; j < 5; ++j) d += std::pow(double(z.at({i, j})) - double(e.at({k, j})), 2);
      if (d < best_d) best_d = d, best = k;
    }
    INFO("row " << i);
    CHECK(codes.data()[i] == best);
  }
}

TEST_CASE("nearest() on the VQ-VAE's rows picks what a one-row scan of the same distances picks, ties to the first",
          "[vq]") {
  // 6272 rows (a batch of 128 grids of 49) run in parallel tasks; codes 5 and 77 are
  // equal, so rows nearest to them must take 5, as the scan's strict `<` does.
  nn::Tensor e = randn({128, 64}, 11, 0.1f);
  std::copy_n(e.data() + 5 * 64, 64, e.data() + 77 * 64);
  nn::Tensor z = randn({6272, 64}, 12, 0.1f);
  for (Index i = 0; i < 6272; i += 7) std::copy_n(e.data() + 5 * 64, 64, z.data() + i * 64);
  const core::IndexTensor codes = with_codebook(e)->nearest(z);
  const nn::Tensor dots = core::matmul(z, e, core::Trans::No, core::Trans::Yes);
  Index mismatches = 0;
  for (Index i = 0; i < 6272; ++i) {
    Index best = -1;
    float best_d = std::numeric_limits<float>::infinity();
    for (Index k = 0; k < 128; ++k) {
      float norm = 0;
      for (Index j = 0; j < 64; ++j) norm += e.data()[k * 64 + j] * e.data()[k * 64 + j];
      const float d = norm - 2.0f * dots.data()[i * 128 + k];
      if (d < best_d) best_d = d, best = k;
    }
    mismatches += codes.data()[i] != best;
  }
  CHECK(mismatches == 0);
  for (Index i = 0; i < 6272; i += 7) CHECK(codes.data()[i] == 5);
}

TEST_CASE("the quantized rows are the chosen codes, and the gradient passes straight through to z", "[vq]") {
  auto vq = with_codebook(randn({6, 3}, 3));
  nn::Var z(randn({8, 3}, 4), true);
  const nn::Quantized q = vq->forward(z);
  CHECK(core::allclose(q.z_q.value(), vq->lookup(q.codes), 0.0, 1e-6));
  const nn::Tensor w = randn({8, 3}, 5);
  autograd::sum(q.z_q * nn::Var(w)).backward();
  CHECK(core::allclose(z.grad(), w, 0.0, 0.0));  // identity, exactly
}

TEST_CASE("the codebook loss pulls codes to rows and the commitment loss (beta 0.25) pulls rows to codes", "[vq]") {
  auto vq = with_codebook(randn({4, 2}, 6));
  nn::Var z(randn({5, 2}, 7), true);
  const nn::Quantized q = vq->forward(z);
  q.loss.backward();
  const nn::Tensor e = vq->lookup(q.codes);
  nn::Tensor grad_e = nn::Tensor::zeros({4, 2});
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 2; ++j) {
      const double diff = double(z.value().at({i, j})) - double(e.at({i, j}));
      CHECK(z.grad().at({i, j}) == Approx(2 * 0.25 * diff / 5).margin(1e-6));  // d/dz beta ||z - sg[e]||^2 / N
      grad_e.at({q.codes.data()[i], j}) += static_cast<float>(-2 * diff / 5);  // d/de ||sg[z] - e||^2 / N
    }
  CHECK(core::allclose(vq->codebook.grad(), grad_e, 1e-5, 1e-6));
}

TEST_CASE("the loss is the composed pair's value: (1 + beta) mean ||z - e||^2, beta alone with EMA", "[vq]") {
  const nn::Tensor e = randn({6, 4}, 31), zv = randn({300, 4}, 32);
  for (const bool ema : {false, true}) {
    nn::Var z(zv, true);
    const auto vq = with_codebook(e, ema);
    const nn::Quantized q = vq->forward(z);
    const nn::Tensor chosen = vq->lookup(q.codes);  // after the EMA step, when there is one
    double s = 0;
    for (Index i = 0; i < zv.numel(); ++i) s += std::pow(double(zv.data()[i]) - double(chosen.data()[i]), 2);
    const auto composed = autograd::sum(autograd::square(z - nn::Var(chosen))) / 300.0;
    INFO("ema " << ema);
    CHECK(q.loss.item() == Approx((ema ? 0.25 : 1.25) * s / 300).epsilon(1e-6));
    CHECK(q.loss.item() == Approx((ema ? 0.25 : 1.25) * composed.item()).epsilon(1e-6));
  }
}

TEST_CASE("straight_through in double: the value of q, the gradient of the identity to z", "[vq]") {
  // The estimator is biased on purpose (the forward value does not move with z), so
  // finite differences of the value are zero; the check is on sg[q - z] + z's backward.
  core::Generator gen(8);
  autograd::Variable<double> z(core::normal<double>({3, 2}, 0.0, 1.0, gen), true);
  const core::Tensor<double> q = core::normal<double>({3, 2}, 0.0, 1.0, gen);
  auto y = nn::straight_through(z, q);
  CHECK(core::allclose(y.value(), q, 1e-12, 1e-12));
  autograd::sum(autograd::square(y)).backward();
  CHECK(core::allclose(z.grad(), core::mul(q, 2.0), 1e-12, 1e-12));  // d/dz sum(y^2) = 2 y, passed to z
}

TEST_CASE("an EMA step moves the codes to the hand-computed smoothed averages of their rows", "[vq]") {
  // K = 2, D = 1: codes at 0 and 10; rows 1, 2 go to code 0, row 9 to code 1. A large
  // Laplace epsilon (0.1) makes the smoothing visible in float.
  const double g = 0.99, eps = 0.1;
  auto vq = with_codebook(nn::Tensor({2, 1}, {0.0f, 10.0f}), true, eps);
  vq->forward(nn::Var(nn::Tensor({3, 1}, {1.0f, 2.0f, 9.0f})));
  const double n0 = g * 1 + (1 - g) * 2, n1 = g * 1 + (1 - g) * 1;  // counts start at 1
  const double m0 = g * 0 + (1 - g) * 3, m1 = g * 10 + (1 - g) * 9;  // sums start at the codebook
  const double n = n0 + n1;
  const double s0 = (n0 + eps) / (n + 2 * eps) * n, s1 = (n1 + eps) / (n + 2 * eps) * n;
  CHECK(vq->codebook.value().at({0, 0}) == Approx(m0 / s0).epsilon(1e-6));
  CHECK(vq->codebook.value().at({1, 0}) == Approx(m1 / s1).epsilon(1e-6));
  CHECK(vq->named_parameters().empty());  // the codebook is not trained by the optimizer
}

TEST_CASE("an EMA quantizer's loss is the commitment term only", "[vq]") {
  auto vq = with_codebook(randn({4, 2}, 9), true);
  vq->eval();  // no update, so the codes stay what the loss saw
  nn::Var z(randn({5, 2}, 10), true);
  const nn::Quantized q = vq->forward(z);
  const nn::Tensor e = vq->lookup(q.codes);
  double expected = 0;
  for (Index i = 0; i < 10; ++i) expected += std::pow(double(z.value().data()[i]) - double(e.data()[i]), 2);
  CHECK(q.loss.item() == Approx(0.25 * expected / 5).epsilon(1e-5));
}

TEST_CASE("after a restart every dead code is in use, and the same seed restarts the same way", "[vq]") {
  // Code 0 sits among the rows; codes 1..7 far away never win a row.
  nn::Tensor codebook = nn::Tensor::full({8, 3}, 100.0f);
  for (Index j = 0; j < 3; ++j) codebook.at({0, j}) = 0.0f;
  auto vq = with_codebook(codebook), twin = with_codebook(codebook);
  const nn::Tensor z = randn({64, 3}, 11);
  vq->forward(nn::Var(z));
  CHECK(vq->usage().to_vector() == std::vector<float>{64, 0, 0, 0, 0, 0, 0, 0});
  core::Generator g1(5), g2(5);
  CHECK(vq->restart_dead_codes(z, g1) == 7);
  CHECK(vq->usage().to_vector() == std::vector<float>(8, 0.0f));
  vq->forward(nn::Var(z));
  for (Index k = 0; k < 8; ++k) {
    INFO("code " << k);
    CHECK(vq->usage().data()[k] > 0);
  }
  twin->forward(nn::Var(z));
  twin->restart_dead_codes(z, g2);
  CHECK(core::equal(twin->codebook.value(), vq->codebook.value()));
}

TEST_CASE("perplexity is the number of codes used evenly, 1 for a single code", "[vq]") {
  CHECK(nn::perplexity(core::IndexTensor({4}, {0, 1, 2, 3}), 8) == Approx(4.0));
  CHECK(nn::perplexity(core::IndexTensor({3}, {5, 5, 5}), 8) == Approx(1.0));
}

TEST_CASE("VectorQuantizer rejects rows of the wrong size, bad codes and bad options", "[vq]") {
  core::Generator gen(0);
  nn::VectorQuantizer vq({.codes = 4, .dim = 3}, gen);
  CHECK_THROWS_WITH(vq.forward(nn::Var(nn::Tensor::zeros({2, 5}))),
                    "VectorQuantizer: input of shape (2, 5) is not (N, 3)");
  CHECK_THROWS_WITH(vq.lookup(core::IndexTensor({1}, {4})), "VectorQuantizer: code 4 is outside [0, 4)");
  CHECK_THROWS_AS(nn::VectorQuantizer({.codes = 0, .dim = 3}, gen), core::ValueError);
  CHECK_THROWS_AS(nn::VectorQuantizer({.codes = 4, .dim = 3, .ema = true, .decay = 1.0}, gen), core::ValueError);
}
