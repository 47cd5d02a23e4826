// Bernoulli and Categorical: closed forms, sampling frequencies, temperature, errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Index;
using core::IndexTensor;
using core::Shape;
using core::Tensor;

namespace {

Variable<double> vec(std::vector<double> v) {
  return Variable<double>(Tensor<double>(Shape{static_cast<Index>(v.size())}, v));
}

/// `rows` copies of one row of logits: many independent draws from one distribution.
Variable<float> repeated(const std::vector<float>& row, Index rows) {
  const Index k = static_cast<Index>(row.size());
  return Variable<float>(core::broadcast_to(Tensor<float>(Shape{k}, row), Shape{rows, k}));
}

std::vector<double> frequencies(const IndexTensor& draws, Index k) {
  std::vector<double> f(static_cast<std::size_t>(k), 0.0);
  for (Index c : draws) f[static_cast<std::size_t>(c)] += 1.0 / static_cast<double>(draws.numel());
  return f;
}

}  // namespace

TEST_CASE("Bernoulli log_prob is x log p + (1 - x) log(1 - p)", "[distributions]") {
  nn::Bernoulli<double> b(vec({0, std::log(3.0), std::log(3.0), -2}));  // p = 0.5, 0.75, 0.75, sigmoid(-2)
  const Tensor<double> lp = b.log_prob(vec({1, 1, 0, 0.25})).value();
  const double p3 = 1 / (1 + std::exp(2.0));
  CHECK(lp.at({0}) == Approx(std::log(0.5)).epsilon(1e-12));
  CHECK(lp.at({1}) == Approx(std::log(0.75)).epsilon(1e-12));
  CHECK(lp.at({2}) == Approx(std::log(0.25)).epsilon(1e-12));
  CHECK(lp.at({3}) == Approx(0.25 * std::log(p3) + 0.75 * std::log(1 - p3)).epsilon(1e-12));
}

TEST_CASE("Bernoulli log_prob stays finite for saturated logits", "[distributions]") {
  nn::Bernoulli<float> b(Variable<float>(Tensor<float>(Shape{2}, {-100.f, 100.f})));
  const Tensor<float> lp = b.log_prob(Variable<float>(Tensor<float>(Shape{2}, {1.f, 0.f}))).value();
  CHECK(lp.at({0}) == Approx(-100.f));
  CHECK(lp.at({1}) == Approx(-100.f));
}

TEST_CASE("Bernoulli log_prob broadcasts values against the logits", "[distributions]") {
  nn::Bernoulli<double> b(vec({0, std::log(3.0)}));
  const Tensor<double> lp = b.log_prob(Variable<double>(Tensor<double>(Shape{2, 2}, {1, 1, 0, 0}))).value();
  REQUIRE(lp.shape() == Shape{2, 2});
  CHECK(lp.at({1, 1}) == Approx(std::log(0.25)));
}

TEST_CASE("Bernoulli refuses a value that asks for a gradient it cannot get", "[distributions]") {
  nn::Bernoulli<float> b(Variable<float>(Tensor<float>::zeros(Shape{3})));
  Variable<float> x(Tensor<float>::ones(Shape{3}), true);
  CHECK_THROWS_WITH(b.log_prob(x), "Bernoulli: log_prob gives no gradient to the value (shape (3)); detach it");
  CHECK(b.log_prob(x.detach()).shape() == Shape{3});
}

TEST_CASE("Bernoulli entropy, mean and probs follow sigmoid(logits)", "[distributions]") {
  nn::Bernoulli<double> b(vec({0, std::log(3.0), 40}));
  const Tensor<double> h = b.entropy().value();
  CHECK(h.at({0}) == Approx(std::log(2.0)).epsilon(1e-12));
  CHECK(h.at({1}) == Approx(-0.75 * std::log(0.75) - 0.25 * std::log(0.25)).epsilon(1e-12));
  CHECK(h.at({2}) == Approx(0.0).margin(1e-15));
  CHECK(b.mean().value().at({1}) == Approx(0.75));
  CHECK(core::equal(b.mean().value(), b.probs().value()));
}

TEST_CASE("Bernoulli samples are 0 or 1 with frequency sigmoid(logit)", "[distributions]") {
  const Index n = 20000;
  nn::Bernoulli<float> b(repeated({-1.f, 0.f, 2.f}, n));
  core::Generator gen(3);
  const Tensor<float> x = b.sample(gen);
  for (float v : x) REQUIRE((v == 0.f || v == 1.f));
  const Tensor<float> f = core::mean(x, {0});
  CHECK(f.at({0}) == Approx(1 / (1 + std::exp(1.0))).margin(0.015));
  CHECK(f.at({1}) == Approx(0.5).margin(0.015));
  CHECK(f.at({2}) == Approx(1 / (1 + std::exp(-2.0))).margin(0.015));
}

TEST_CASE("Categorical log_prob picks log softmax of the given class per row", "[distributions]") {
  // probs 0.1, 0.2, 0.7 in row 0; uniform in row 1.
  nn::Categorical<double> c(
      Variable<double>(Tensor<double>(Shape{2, 3}, {std::log(1.0), std::log(2.0), std::log(7.0), 5, 5, 5})));
  const Tensor<double> lp = c.log_prob(IndexTensor(Shape{2}, {2, 0})).value();
  REQUIRE(lp.shape() == Shape{2});
  CHECK(lp.at({0}) == Approx(std::log(0.7)).epsilon(1e-12));
  CHECK(lp.at({1}) == Approx(-std::log(3.0)).epsilon(1e-12));
  CHECK(core::equal(c.log_prob(Variable<double>(Tensor<double>(Shape{2}, {2, 0}))).value(), lp));
}

TEST_CASE("Categorical works on any batch shape, including none", "[distributions]") {
  Variable<float> logits(Tensor<float>::zeros(Shape{2, 3, 4}));
  nn::Categorical c(logits);
  CHECK(c.batch_shape() == Shape{2, 3});
  CHECK(c.log_prob(IndexTensor::zeros(Shape{2, 3})).shape() == Shape{2, 3});
  CHECK(c.entropy().shape() == Shape{2, 3});
  core::Generator gen(1);
  CHECK(c.sample(gen).shape() == Shape{2, 3});
  nn::Categorical single(Variable<float>(Tensor<float>::zeros(Shape{4})));
  CHECK(single.batch_shape() == Shape{});
  CHECK(single.log_prob(IndexTensor(Shape{}, {3})).item() == Approx(-std::log(4.f)));
}

TEST_CASE("Categorical entropy is -sum p log p per row", "[distributions]") {
  nn::Categorical<double> c(
      Variable<double>(Tensor<double>(Shape{2, 3}, {std::log(1.0), std::log(2.0), std::log(7.0), 0, 0, 0})));
  const Tensor<double> h = c.entropy().value();
  CHECK(h.at({0}) == Approx(-(0.1 * std::log(0.1) + 0.2 * std::log(0.2) + 0.7 * std::log(0.7))).epsilon(1e-12));
  CHECK(h.at({1}) == Approx(std::log(3.0)).epsilon(1e-12));
}

TEST_CASE("Categorical samples classes with frequency softmax(logits)", "[distributions]") {
  const Index n = 30000;
  nn::Categorical c(repeated({std::log(1.f), std::log(2.f), std::log(7.f)}, n));
  core::Generator gen(8);
  const std::vector<double> f = frequencies(c.sample(gen), 3);
  CHECK(f[0] == Approx(0.1).margin(0.01));
  CHECK(f[1] == Approx(0.2).margin(0.01));
  CHECK(f[2] == Approx(0.7).margin(0.01));
}

TEST_CASE("Categorical temperature sharpens below 1 and flattens above", "[distributions]") {
  const Index n = 20000;
  nn::Categorical c(repeated({0.f, 1.f, 2.f}, n));
  core::Generator gen(12);
  // softmax([0, 1, 2] / 0.1) puts 1 - 5e-5 on the last class; / 100 is within 1% of uniform.
  CHECK(frequencies(c.sample(gen, 0.1f), 3)[2] > 0.999);
  for (double f : frequencies(c.sample(gen, 100.f), 3)) CHECK(f == Approx(1.0 / 3).margin(0.02));
  CHECK_THROWS_WITH(c.sample(gen, 0.f), "Categorical: sampling temperature must be positive and finite, got 0");
}

TEST_CASE("Categorical sampling is reproduced by the seed", "[distributions]") {
  nn::Categorical c(Variable<float>(Tensor<float>::zeros(Shape{50, 6})));
  core::Generator a(21), b(21), d(21);
  const IndexTensor s = c.sample(a);
  CHECK(core::equal(s, c.sample(b)));
  const nn::Distribution<float>& generic = c;  // the same draws, as T values
  CHECK(core::equal(generic.sample(d), s.to<float>()));
}

TEST_CASE("Categorical mode is the most likely class", "[distributions]") {
  nn::Categorical c(Variable<float>(Tensor<float>(Shape{2, 3}, {0.f, 3.f, 1.f, 2.f, -1.f, 0.f})));
  CHECK(core::equal(c.mode(), IndexTensor(Shape{2}, {1, 0})));
}

TEST_CASE("Categorical rejects values of the wrong shape or outside the classes", "[distributions]") {
  nn::Categorical c(Variable<float>(Tensor<float>::zeros(Shape{2, 3})));
  CHECK_THROWS_WITH(c.log_prob(IndexTensor::zeros(Shape{3})),
                    "Categorical: value of shape (3) does not match the batch shape (2) (logits (2, 3))");
  CHECK_THROWS_WITH(c.log_prob(IndexTensor(Shape{2}, {0, 3})), "Categorical: class 3 is outside [0, 3)");
  CHECK_THROWS_WITH(c.log_prob(Variable<float>(Tensor<float>(Shape{2}, {0.f, 1.5f}))),
                    "Categorical: value 1.5 is not a class index");
  CHECK_THROWS_AS(c.mean(), core::ValueError);
  CHECK_THROWS_AS(nn::Categorical(Variable<float>(Tensor<float>::scalar(1.f))), core::ShapeError);
}
