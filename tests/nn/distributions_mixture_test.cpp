// MixtureOfGaussians: log_prob against the Normal it reduces to, sampling, shapes, errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Index;
using core::Shape;
using core::Tensor;

namespace {

Variable<double> randn(const Shape& shape, core::Generator& gen) {
  return Variable<double>(core::normal<double>(shape, 0.0, 1.0, gen));
}

}  // namespace

TEST_CASE("a one-component mixture is its Normal summed over dimensions", "[distributions]") {
  core::Generator gen(1);
  const Variable<double> means = randn(Shape{1, 3}, gen), logvars = randn(Shape{1, 3}, gen);
  const Variable<double> x = randn(Shape{4, 3}, gen);
  nn::MixtureOfGaussians<double> mix(Variable<double>(Tensor<double>::scalar(0.7).reshape(Shape{1})), means, logvars);
  nn::Normal<double> normal(autograd::squeeze(means, 0), autograd::squeeze(logvars, 0));
  const Tensor<double> lp = mix.log_prob(x).value();
  REQUIRE(lp.shape() == Shape{4});
  CHECK(core::allclose(lp, nn::sum_event(normal.log_prob(x)).value(), 1e-12, 1e-12));
}

TEST_CASE("a mixture of identical components is that component", "[distributions]") {
  core::Generator gen(2);
  const Tensor<double> m = core::normal<double>(Shape{1, 2}, 0.0, 1.0, gen);
  const Tensor<double> lv = core::normal<double>(Shape{1, 2}, 0.0, 1.0, gen);
  // Three copies with unequal weights: the weights must sum out.
  nn::MixtureOfGaussians<double> three(Variable<double>(Tensor<double>(Shape{3}, {0.1, -2, 3})),
                                       Variable<double>(core::broadcast_to(m, Shape{3, 2})),
                                       Variable<double>(core::broadcast_to(lv, Shape{3, 2})));
  nn::MixtureOfGaussians<double> one(Variable<double>(Tensor<double>::zeros(Shape{1})), Variable<double>(m),
                                     Variable<double>(lv));
  const Variable<double> x = randn(Shape{5, 2}, gen);
  CHECK(core::allclose(three.log_prob(x).value(), one.log_prob(x).value(), 1e-12, 1e-12));
}

TEST_CASE("mixture log_prob is the log of the weighted sum of component densities", "[distributions]") {
  // 1-D, two components: w = (0.25, 0.75), N(-1, 1) and N(2, 4), at x = 0.5.
  nn::MixtureOfGaussians<double> mix(Variable<double>(Tensor<double>(Shape{2}, {0, std::log(3.0)})),
                                     Variable<double>(Tensor<double>(Shape{2, 1}, {-1, 2})),
                                     Variable<double>(Tensor<double>(Shape{2, 1}, {0, std::log(4.0)})));
  auto density = [](double x, double mu, double var) {
    return std::exp(-0.5 * (x - mu) * (x - mu) / var) / std::sqrt(2 * std::numbers::pi * var);
  };
  const double want = std::log(0.25 * density(0.5, -1, 1) + 0.75 * density(0.5, 2, 4));
  CHECK(mix.log_prob(Variable<double>(Tensor<double>(Shape{1}, {0.5}))).item() == Approx(want).epsilon(1e-12));
}

TEST_CASE("mixture log_prob stays finite far from every component", "[distributions]") {
  nn::MixtureOfGaussians<float> mix(Variable<float>(Tensor<float>::zeros(Shape{2})),
                                    Variable<float>(Tensor<float>(Shape{2, 1}, {-1.f, 1.f})),
                                    Variable<float>(Tensor<float>::full(Shape{2, 1}, -4.f)));
  // Each density underflows float at x = 30 (log density ~ -2.4e4); log-sum-exp keeps it.
  const float lp = mix.log_prob(Variable<float>(Tensor<float>(Shape{1}, {30.f}))).item();
  CHECK(std::isfinite(lp));
  CHECK(
      lp ==
      Approx(-0.5 * (std::log(2 * std::numbers::pi) - 4 + 29.0 * 29.0 * std::exp(4.0)) + std::log(0.5)).epsilon(1e-5));
}

TEST_CASE("mixture samples land in each component with its weight", "[distributions]") {
  const Index n = 20000;
  // Components far apart (-10, 0, 10) with sd 0.1, weights (0.2, 0.3, 0.5), in a batch of n.
  Variable<float> logits(
      core::broadcast_to(Tensor<float>(Shape{3}, {std::log(0.2f), std::log(0.3f), std::log(0.5f)}), Shape{n, 3}));
  nn::MixtureOfGaussians<float> mix(logits, Variable<float>(Tensor<float>(Shape{3, 1}, {-10.f, 0.f, 10.f})),
                                    Variable<float>(Tensor<float>::full(Shape{3, 1}, std::log(0.01f))));
  core::Generator gen(5);
  const Tensor<float> x = mix.sample(gen);
  REQUIRE(x.shape() == Shape{n, 1});
  double counts[3] = {0, 0, 0};
  double within = 0;
  for (float v : x) {
    const int k = v < -5 ? 0 : (v < 5 ? 1 : 2);
    counts[k] += 1.0 / n;
    within += std::abs(v - 10.f * static_cast<float>(k - 1)) < 0.5f ? 1.0 / n : 0.0;  // 5 sd
  }
  CHECK(counts[0] == Approx(0.2).margin(0.015));
  CHECK(counts[1] == Approx(0.3).margin(0.015));
  CHECK(counts[2] == Approx(0.5).margin(0.015));
  CHECK(within > 0.999);
  CHECK(core::mean(x).item() == Approx(mix.mean().value().at({0, 0})).margin(0.25));
}

TEST_CASE("mixture sampling is reproduced by the seed", "[distributions]") {
  core::Generator init(7);
  nn::MixtureOfGaussians<float> mix(Variable<float>(Tensor<float>::zeros(Shape{4})),
                                    Variable<float>(core::normal<float>(Shape{4, 3}, 0.f, 1.f, init)),
                                    Variable<float>(Tensor<float>::zeros(Shape{4, 3})));
  core::Generator a(9), b(9);
  const Tensor<float> s = mix.sample(a);
  CHECK(s.shape() == Shape{3});
  CHECK(core::equal(s, mix.sample(b)));
}

TEST_CASE("one mixture scores a batch of points through broadcasting", "[distributions]") {
  core::Generator gen(3);
  nn::MixtureOfGaussians<float> prior(Variable<float>(Tensor<float>::zeros(Shape{5})),
                                      Variable<float>(core::normal<float>(Shape{5, 2}, 0.f, 1.f, gen)),
                                      Variable<float>(Tensor<float>::zeros(Shape{5, 2})));
  CHECK(prior.batch_shape() == Shape{});
  CHECK(prior.log_prob(Variable<float>(Tensor<float>::zeros(Shape{8, 2}))).shape() == Shape{8});
  CHECK(prior.mean().shape() == Shape{2});
}

TEST_CASE("mixture parameters must agree on K and D", "[distributions]") {
  auto zeros = [](const Shape& s) { return Variable<float>(Tensor<float>::zeros(s)); };
  CHECK_THROWS_WITH(nn::MixtureOfGaussians<float>(zeros(Shape{3}), zeros(Shape{4, 2}), zeros(Shape{4, 2})),
                    "MixtureOfGaussians: logits (3), means (4, 2) and logvars (4, 2) must be (..., K), (..., K, D) "
                    "and (..., K, D)");
  CHECK_THROWS_AS(nn::MixtureOfGaussians<float>(zeros(Shape{3}), zeros(Shape{3, 2}), zeros(Shape{3, 1})),
                  core::ShapeError);
  nn::MixtureOfGaussians<float> mix(zeros(Shape{3}), zeros(Shape{3, 2}), zeros(Shape{3, 2}));
  CHECK_THROWS_WITH(mix.log_prob(zeros(Shape{4, 3})),
                    "MixtureOfGaussians: value of shape (4, 3) must be (..., 2) for means (3, 2)");
  CHECK_THROWS_WITH(mix.entropy(), "MixtureOfGaussians: entropy has no closed form");
}
