// Gradients through the distributions (rsample, log_prob, entropy, KL), checked
// against central finite differences with autograd::gradcheck in double.
#include "xgrad/nn/distributions/distributions.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"

using namespace xgrad;
using autograd::Variable;
using core::IndexTensor;
using core::Shape;
using core::Tensor;
using Vars = std::vector<Variable<double>>;

namespace {

/// A leaf that gradcheck perturbs: N(0, scale^2) values from a fixed seed.
Variable<double> input(const Shape& shape, std::uint64_t seed, double scale = 1.0) {
  core::Generator gen(seed);
  return Variable<double>(core::normal<double>(shape, 0.0, scale, gen), true);
}

bool gradients_match(const std::function<Variable<double>(const Vars&)>& f, const Vars& inputs) {
  const autograd::GradcheckResult r = autograd::gradcheck(f, inputs);
  UNSCOPED_INFO(r.message);
  return r.ok;
}

}  // namespace

TEST_CASE("gradcheck: Normal rsample in mean and broadcast logvar", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) {
        core::Generator gen(17);  // the same noise in every evaluation
        return nn::Normal<double>(v[0], v[1]).rsample(gen);
      },
      {input(Shape{2, 3}, 1), input(Shape{3}, 2, 0.5)}));
}

TEST_CASE("gradcheck: Normal log_prob in value, mean and logvar", "[distributions]") {
  CHECK(gradients_match([](const Vars& v) { return nn::Normal<double>(v[1], v[2]).log_prob(v[0]); },
                        {input(Shape{2, 3}, 3, 2.0), input(Shape{2, 3}, 4), input(Shape{3}, 5, 0.5)}));
}

TEST_CASE("gradcheck: Normal entropy in logvar", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) {
        return nn::Normal<double>(Variable<double>(Tensor<double>::zeros(Shape{2, 3})), v[0]).entropy();
      },
      {input(Shape{3}, 6)}));
}

TEST_CASE("gradcheck: precision_weighted in both means and logvars, with a broadcast logvar", "[distributions]") {
  const auto merged = [](const Vars& v) {
    return nn::precision_weighted(nn::Normal<double>(v[0], v[1]), nn::Normal<double>(v[2], v[3]));
  };
  CHECK(gradients_match([&](const Vars& v) { return merged(v).mean(); },
                        {input(Shape{2, 3}, 31), input(Shape{3}, 32), input(Shape{2, 3}, 33), input(Shape{2, 3}, 34)}));
  CHECK(gradients_match([&](const Vars& v) { return merged(v).logvar(); },
                        {input(Shape{2, 3}, 35), input(Shape{3}, 36), input(Shape{2, 3}, 37), input(Shape{2, 3}, 38)}));
}

TEST_CASE("gradcheck: Bernoulli log_prob and entropy in the logits", "[distributions]") {
  const Variable<double> x(Tensor<double>(Shape{2, 3}, {0, 1, 1, 0, 0.3, 0.8}));
  CHECK(gradients_match([x](const Vars& v) { return nn::Bernoulli<double>(v[0]).log_prob(x); },
                        {input(Shape{2, 3}, 7, 2.0)}));
  CHECK(gradients_match([](const Vars& v) { return nn::Bernoulli<double>(v[0]).entropy(); },
                        {input(Shape{2, 3}, 8, 2.0)}));
}

TEST_CASE("gradcheck: Categorical log_prob and entropy in the logits", "[distributions]") {
  const IndexTensor value(Shape{2, 2}, {0, 3, 2, 2});
  CHECK(gradients_match([value](const Vars& v) { return nn::Categorical<double>(v[0]).log_prob(value); },
                        {input(Shape{2, 2, 4}, 9, 2.0)}));
  CHECK(gradients_match([](const Vars& v) { return nn::Categorical<double>(v[0]).entropy(); },
                        {input(Shape{3, 4}, 10, 2.0)}));
}

TEST_CASE("gradcheck: MixtureOfGaussians log_prob in value, logits, means and logvars", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) { return nn::MixtureOfGaussians<double>(v[1], v[2], v[3]).log_prob(v[0]); },
      {input(Shape{4, 2}, 11), input(Shape{3}, 12), input(Shape{3, 2}, 13), input(Shape{3, 2}, 14, 0.5)}));
}

TEST_CASE("gradcheck: MixtureOfGaussians mean in logits and means", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) {
        return nn::MixtureOfGaussians<double>(v[0], v[1], Variable<double>(Tensor<double>::zeros(Shape{3, 2}))).mean();
      },
      {input(Shape{2, 3}, 15), input(Shape{3, 2}, 16)}));
}

TEST_CASE("gradcheck: Normal KL in all four parameters, broadcast", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) { return nn::kl_divergence(nn::Normal<double>(v[0], v[1]), nn::Normal<double>(v[2], v[3])); },
      {input(Shape{2, 3}, 17), input(Shape{2, 3}, 18, 0.5), input(Shape{3}, 19), input(Shape{2, 1}, 20, 0.5)}));
}

TEST_CASE("gradcheck: Normal KL against the standard prior", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) {
        return nn::kl_divergence(nn::Normal<double>(v[0], v[1]), nn::Normal<double>::standard(Shape{2, 3}));
      },
      {input(Shape{2, 3}, 21), input(Shape{2, 3}, 22, 0.5)}));
}

TEST_CASE("gradcheck: Bernoulli and Categorical KL in both arguments", "[distributions]") {
  CHECK(gradients_match(
      [](const Vars& v) { return nn::kl_divergence(nn::Bernoulli<double>(v[0]), nn::Bernoulli<double>(v[1])); },
      {input(Shape{2, 3}, 23, 2.0), input(Shape{2, 3}, 24, 2.0)}));
  CHECK(gradients_match(
      [](const Vars& v) { return nn::kl_divergence(nn::Categorical<double>(v[0]), nn::Categorical<double>(v[1])); },
      {input(Shape{2, 4}, 25, 2.0), input(Shape{2, 4}, 26, 2.0)}));
}
