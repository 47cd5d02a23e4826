// log_prob, entropy and KL against torch.distributions (tests/fixtures/nn_distributions.py).
#include <catch2/catch.hpp>
#include <string>

#include "fixture.hpp"
#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Tensor;

namespace {

Variable<double> var(const std::string& name) {
  return Variable<double>(test::fixture<double>("nn_distributions.json", name));
}

/// Values agree with PyTorch to double rounding (both compute in float64).
bool matches(const Variable<double>& got, const std::string& name) {
  const Tensor<double> want = test::fixture<double>("nn_distributions.json", name);
  const bool ok = core::allclose(got.value(), want, 1e-10, 1e-12);
  if (!ok) UNSCOPED_INFO(name << ": got " << got.value().str() << ", want " << want.str());
  return ok;
}

nn::Normal<double> normal(const std::string& mean, const std::string& logvar) {
  return nn::Normal<double>(var(mean), var(logvar));
}

}  // namespace

TEST_CASE("Normal log_prob, entropy and KL match torch.distributions", "[distributions]") {
  const auto q = normal("normal_q_mean", "normal_q_logvar");
  CHECK(matches(q.log_prob(var("normal_x")), "normal_log_prob"));
  CHECK(matches(q.entropy(), "normal_entropy"));
  CHECK(matches(nn::kl_divergence(q, normal("normal_p_mean", "normal_p_logvar")), "normal_kl"));
  CHECK(matches(nn::kl_divergence(q, nn::Normal<double>::standard(q.batch_shape())), "normal_kl_std"));
}

TEST_CASE("Bernoulli log_prob, entropy and KL match torch.distributions", "[distributions]") {
  nn::Bernoulli<double> q(var("bernoulli_logits"));
  CHECK(matches(q.log_prob(var("bernoulli_x")), "bernoulli_log_prob"));
  CHECK(matches(q.entropy(), "bernoulli_entropy"));
  CHECK(matches(nn::kl_divergence(q, nn::Bernoulli<double>(var("bernoulli_p_logits"))), "bernoulli_kl"));
}

TEST_CASE("Categorical log_prob, entropy and KL match torch.distributions", "[distributions]") {
  nn::Categorical<double> q(var("categorical_logits"));
  const core::IndexTensor value = test::fixture<core::Index>("nn_distributions.json", "categorical_value");
  CHECK(matches(q.log_prob(value), "categorical_log_prob"));
  CHECK(matches(q.entropy(), "categorical_entropy"));
  CHECK(matches(nn::kl_divergence(q, nn::Categorical<double>(var("categorical_p_logits"))), "categorical_kl"));
}

TEST_CASE("MixtureOfGaussians log_prob and mean match torch MixtureSameFamily", "[distributions]") {
  nn::MixtureOfGaussians<double> batched(var("mixture_logits"), var("mixture_means"), var("mixture_logvars"));
  CHECK(matches(batched.log_prob(var("mixture_x")), "mixture_log_prob"));
  CHECK(matches(batched.mean(), "mixture_mean"));
  nn::MixtureOfGaussians<double> prior(var("mixture1_logits"), var("mixture1_means"), var("mixture1_logvars"));
  CHECK(matches(prior.log_prob(var("mixture1_x")), "mixture1_log_prob"));
}
