// kl_divergence: zero for identical arguments, non-negative on random pairs, the
// standard-normal fast path, dispatch through the base class, and unsupported pairs.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {

// Pairs without a closed form do not compile when both types are known.
template <class Q, class P>
concept HasKl = requires(const Q& q, const P& p) {
  nn::kl_divergence(q, p);
};
static_assert(HasKl<nn::Normal<float>, nn::Normal<float>>);
static_assert(HasKl<nn::Categorical<double>, nn::Categorical<double>>);
static_assert(HasKl<nn::Distribution<float>, nn::Distribution<float>>);
static_assert(!HasKl<nn::MixtureOfGaussians<float>, nn::Normal<float>>);
static_assert(!HasKl<nn::Bernoulli<float>, nn::Categorical<float>>);

Variable<float> randn(const Shape& shape, core::Generator& gen, float scale = 1.f) {
  return Variable<float>(core::normal<float>(shape, 0.f, scale, gen));
}

float min_of(const Variable<float>& v) { return core::min(v.value()).item(); }
float max_abs(const Variable<float>& v) { return core::max(core::abs(v.value())).item(); }

}  // namespace

TEST_CASE("KL of a distribution with itself is zero", "[distributions]") {
  core::Generator gen(1);
  const Shape s{64, 8};
  nn::Normal n(randn(s, gen, 3.f), randn(s, gen, 2.f));
  nn::Bernoulli b(randn(s, gen, 5.f));
  nn::Categorical c(randn(s, gen, 5.f));
  CHECK(max_abs(nn::kl_divergence(n, n)) < 1e-6f);
  CHECK(max_abs(nn::kl_divergence(b, b)) < 1e-6f);
  CHECK(max_abs(nn::kl_divergence(c, c)) < 1e-6f);
}

TEST_CASE("KL is non-negative on random pairs", "[distributions]") {
  core::Generator gen(2);
  const Shape s{256, 8};
  nn::Normal nq(randn(s, gen, 3.f), randn(s, gen, 2.f)), np(randn(s, gen, 3.f), randn(s, gen, 2.f));
  nn::Bernoulli bq(randn(s, gen, 5.f)), bp(randn(s, gen, 5.f));
  nn::Categorical cq(randn(s, gen, 5.f)), cp(randn(s, gen, 5.f));
  const auto kn = nn::kl_divergence(nq, np), kb = nn::kl_divergence(bq, bp), kc = nn::kl_divergence(cq, cp);
  CHECK(kn.shape() == s);
  CHECK(kb.shape() == s);
  CHECK(kc.shape() == Shape{256});
  CHECK(min_of(kn) >= -1e-6f);
  CHECK(min_of(kb) >= -1e-6f);
  CHECK(min_of(kc) >= -1e-6f);
  CHECK(max_abs(kn) > 1.f);  // and not trivially zero
}

TEST_CASE("Normal KL has the closed form of two Gaussians", "[distributions]") {
  // KL(N(1, 4) || N(0, 1)) = 0.5 (4 + 1 - 1 - log 4); KL(N(0, 1) || N(1, 4)) = 0.5 (log 4 + (1 + 1) / 4 - 1).
  auto normal = [](double mean, double var) {
    return nn::Normal<double>(Variable<double>(Tensor<double>::scalar(mean)),
                              Variable<double>(Tensor<double>::scalar(std::log(var))));
  };
  CHECK(nn::kl_divergence(normal(1, 4), normal(0, 1)).item() == Approx(0.5 * (4 - std::log(4.0))));
  CHECK(nn::kl_divergence(normal(0, 1), normal(1, 4)).item() == Approx(0.5 * (std::log(4.0) + 0.5 - 1)));
}

TEST_CASE("KL against Normal::standard takes the kl_std_normal fast path", "[distributions]") {
  core::Generator gen(3);
  Variable<float> mean = randn(Shape{4, 3}, gen), logvar = randn(Shape{4, 3}, gen);
  mean.set_requires_grad(true);
  nn::Normal q(mean, logvar);
  const auto fast = nn::kl_divergence(q, nn::Normal<float>::standard(Shape{4, 3}));
  CHECK(std::string(fast.op_name()) == "kl_std_normal");
  nn::Normal explicit_prior(Variable<float>(Tensor<float>::zeros(Shape{4, 3})),
                            Variable<float>(Tensor<float>::zeros(Shape{4, 3})));
  const auto general = nn::kl_divergence(q, explicit_prior);
  CHECK(std::string(general.op_name()) == "kl_diag_gaussians");
  CHECK(core::allclose(fast.value(), general.value(), 1e-5, 1e-6));
}

TEST_CASE("KL against a standard prior of a larger shape broadcasts to it", "[distributions]") {
  nn::Normal q(Variable<float>(Tensor<float>::ones(Shape{3})), Variable<float>(Tensor<float>::zeros(Shape{3})));
  const auto kl = nn::kl_divergence(q, nn::Normal<float>::standard(Shape{2, 3}));
  REQUIRE(kl.shape() == Shape{2, 3});
  CHECK(core::allclose(kl.value(), Tensor<float>::full(Shape{2, 3}, 0.5f)));
  const auto reverse = nn::kl_divergence(nn::Normal<float>::standard(Shape{2, 3}), q);
  CHECK(reverse.shape() == Shape{2, 3});
}

TEST_CASE("kl_divergence through the base class dispatches on the dynamic types", "[distributions]") {
  core::Generator gen(4);
  nn::Bernoulli bq(randn(Shape{5}, gen)), bp(randn(Shape{5}, gen));
  const nn::Distribution<float>& q = bq;
  const nn::Distribution<float>& p = bp;
  CHECK(core::equal(nn::kl_divergence(q, p).value(), nn::kl_divergence(bq, bp).value()));
}

TEST_CASE("kl_divergence names the pair that has no closed form", "[distributions]") {
  nn::MixtureOfGaussians<float> mix(Variable<float>(Tensor<float>::zeros(Shape{2})),
                                    Variable<float>(Tensor<float>::zeros(Shape{2, 3})),
                                    Variable<float>(Tensor<float>::zeros(Shape{2, 3})));
  const auto normal = nn::Normal<float>::standard(Shape{3});
  nn::Bernoulli bern(Variable<float>(Tensor<float>::zeros(Shape{3})));
  const nn::Distribution<float>& m = mix;
  const nn::Distribution<float>& n = normal;
  const nn::Distribution<float>& b = bern;
  CHECK_THROWS_AS(nn::kl_divergence(m, n), core::ValueError);
  CHECK_THROWS_WITH(nn::kl_divergence(m, n), "kl_divergence: no closed form for MixtureOfGaussians and Normal");
  CHECK_THROWS_WITH(nn::kl_divergence(n, b), "kl_divergence: no closed form for Normal and Bernoulli");
}

TEST_CASE("kl_divergence rejects pairs whose shapes do not fit", "[distributions]") {
  nn::Categorical c3(Variable<float>(Tensor<float>::zeros(Shape{2, 3}))),
      c4(Variable<float>(Tensor<float>::zeros(Shape{2, 4})));
  CHECK_THROWS_WITH(nn::kl_divergence(c3, c4),
                    "kl_divergence(Categorical, Categorical): logits (2, 3) and (2, 4) have different K");
  nn::Bernoulli b2(Variable<float>(Tensor<float>::zeros(Shape{2}))),
      b3(Variable<float>(Tensor<float>::zeros(Shape{3})));
  CHECK_THROWS_AS(nn::kl_divergence(b2, b3), core::ShapeError);
}
