// The logistic regression behind the linear probe: the maximum-likelihood answer where it
// is known in closed form, and a probe that separates what is linearly separable.
#include "xgrad/models/evaluation/linear_probe.hpp"

#include <catch2/catch.hpp>

#include "xgrad/core/random.hpp"
#include "xgrad/core/shape_ops.hpp"

using namespace xgrad;
using core::Index;
using core::Tensor;

TEST_CASE("logistic regression on two feature values reaches the class frequencies at each", "[probe]") {
  // x = -1: three of four rows are class 1; x = +1: one of four. With a weight and a bias per
  // class the model is saturated, so its maximum-likelihood probabilities are those frequencies.
  const Tensor<float> x({8, 1}, {-1, -1, -1, -1, 1, 1, 1, 1});
  const core::IndexTensor y({8}, {1, 1, 1, 0, 1, 0, 0, 0});
  auto m = models::fit_logistic_regression(x, y, 2, {.epochs = 3000, .batch = 8, .lr = 0.05});
  const Tensor<float> p = m->probabilities(Tensor<float>({2, 1}, {-1, 1}));
  CHECK(p.at({0, 1}) == Approx(0.75).margin(2e-3));
  CHECK(p.at({1, 1}) == Approx(0.25).margin(2e-3));
}

TEST_CASE("logistic regression fits class frequencies that only a bias can reach", "[probe]") {
  // x = -1: three of four rows are class 1; x = +1: two of four. The standardised feature is
  // symmetric about 0, so without a bias p(1 | -1) = 1 - p(1 | +1) and the best it can do is
  // 0.625 / 0.375; with one the saturated model reaches the frequencies 0.75 / 0.5.
  const Tensor<float> x({8, 1}, {-1, -1, -1, -1, 1, 1, 1, 1});
  const core::IndexTensor y({8}, {1, 1, 1, 0, 1, 1, 0, 0});
  auto m = models::fit_logistic_regression(x, y, 2, {.epochs = 3000, .batch = 8, .lr = 0.05});
  const Tensor<float> p = m->probabilities(Tensor<float>({2, 1}, {-1, 1}));
  CHECK(p.at({0, 1}) == Approx(0.75).margin(2e-3));
  CHECK(p.at({1, 1}) == Approx(0.5).margin(2e-3));
}

TEST_CASE("a linear probe separates classes that differ linearly and not noise", "[probe]") {
  core::Generator gen(1);
  const Index n = 600;
  Tensor<float> x = core::normal<float>({n, 5}, 0, 1, gen);
  core::IndexTensor y({n});
  for (Index i = 0; i < n; ++i) {
    y.data()[i] = i % 3;
    x.data()[i * 5 + y.data()[i]] += 4;  // class c is shifted along feature c
  }
  const Tensor<float> tx = core::narrow(x, 0, 0, 400), vx = core::narrow(x, 0, 400, n - 400);
  core::IndexTensor ty({400}), vy({n - 400});
  for (Index i = 0; i < n; ++i) (i < 400 ? ty.data()[i] : vy.data()[i - 400]) = y.data()[i];
  const models::ProbeResult r = models::linear_probe(tx, ty, vx, vy, 3, {.epochs = 50});
  CHECK(r.test_accuracy > 0.95);
  // Labels that the features do not carry: held-out accuracy near chance (1/3).
  core::IndexTensor shuffled = ty;
  for (Index i = 0; i < 400; ++i) shuffled.data()[i] = static_cast<Index>(gen.below(3));
  CHECK(models::linear_probe(tx, shuffled, vx, vy, 3, {.epochs = 50}).test_accuracy < 0.5);
}

TEST_CASE("logistic regression refuses labels outside its classes", "[probe]") {
  const Tensor<float> x({2, 1}, {0, 1});
  CHECK_THROWS_WITH(models::fit_logistic_regression(x, core::IndexTensor({2}, {0, 2}), 2),
                    "logistic regression: label 2 is outside 0..1");
}
