// Normal: sampling moments, reproducibility, log_prob and entropy against closed forms.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/core.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {

const double kLog2Pi = std::log(2 * std::numbers::pi);

Variable<float> constant(const Shape& shape, float v) { return Variable<float>(Tensor<float>::full(shape, v)); }

}  // namespace

TEST_CASE("Normal rsample has the requested mean and standard deviation", "[distributions]") {
  const core::Index n = 20000;
  // Column 0: N(1, 2^2); column 1: N(-2, 0.5^2).
  Variable<float> mean(core::broadcast_to(Tensor<float>(Shape{2}, {1.f, -2.f}), Shape{n, 2}));
  Variable<float> logvar(Tensor<float>(Shape{2}, {std::log(4.f), std::log(0.25f)}));
  nn::Normal q(mean, logvar);
  core::Generator gen(11);
  const Tensor<float> z = q.rsample(gen).value();
  REQUIRE(z.shape() == Shape{n, 2});
  const Tensor<float> m = core::mean(z, {0});
  const Tensor<float> sd = core::sqrt(core::var(z, {0}));
  // Standard errors: 2/sqrt(n) = 0.014 and 0.5/sqrt(n) for the means, ~0.5% for the sds.
  CHECK(m.at({0}) == Approx(1.0).margin(0.06));
  CHECK(m.at({1}) == Approx(-2.0).margin(0.015));
  CHECK(sd.at({0}) == Approx(2.0).epsilon(0.03));
  CHECK(sd.at({1}) == Approx(0.5).epsilon(0.03));
}

TEST_CASE("Normal rsample is reproduced by the generator's seed", "[distributions]") {
  nn::Normal q(constant(Shape{3, 4}, 0.5f), constant(Shape{3, 4}, -1.f));
  core::Generator a(5), b(5), c(6);
  const Tensor<float> za = q.rsample(a).value();
  CHECK(core::equal(za, q.rsample(b).value()));
  CHECK_FALSE(core::equal(za, q.rsample(c).value()));
}

TEST_CASE("Normal rsample is mean + exp(0.5 logvar) * eps with eps from core::normal", "[distributions]") {
  nn::Normal q(constant(Shape{5}, 3.f), constant(Shape{5}, std::log(9.f)));
  core::Generator g1(2), g2(2);
  const Tensor<float> eps = core::normal<float>(Shape{5}, 0.f, 1.f, g2);
  CHECK(core::allclose(q.rsample(g1).value(), core::add(core::mul(eps, 3.f), 3.f), 1e-6, 1e-6));
}

TEST_CASE("Normal sample has no gradient but the same values as rsample", "[distributions]") {
  Variable<float> mean(Tensor<float>::zeros(Shape{4}), true);
  nn::Normal q(mean, constant(Shape{4}, 0.f));
  core::Generator g1(9), g2(9);
  const Variable<float> r = q.rsample(g1);
  CHECK(r.requires_grad());
  CHECK(core::equal(q.sample(g2), r.value()));
}

TEST_CASE("Normal log_prob matches the closed form per element", "[distributions]") {
  // x = 3 under N(1, 4): -0.5 (log 2 pi + log 4 + (3 - 1)^2 / 4)
  nn::Normal<double> q(Variable<double>(Tensor<double>(Shape{2}, {1, 0})),
                       Variable<double>(Tensor<double>(Shape{2}, {std::log(4.0), 0})));
  const Tensor<double> lp = q.log_prob(Variable<double>(Tensor<double>(Shape{2}, {3, -1}))).value();
  CHECK(lp.at({0}) == Approx(-0.5 * (kLog2Pi + std::log(4.0) + 1.0)).epsilon(1e-12));
  CHECK(lp.at({1}) == Approx(-0.5 * (kLog2Pi + 1.0)).epsilon(1e-12));
}

TEST_CASE("Normal log_prob broadcasts a batch of values against shared parameters", "[distributions]") {
  nn::Normal q(constant(Shape{3}, 0.f), constant(Shape{3}, 0.f));
  CHECK(q.log_prob(constant(Shape{7, 3}, 1.f)).shape() == Shape{7, 3});
}

TEST_CASE("Normal entropy is 0.5 log(2 pi e var) per element", "[distributions]") {
  nn::Normal<double> q(Variable<double>(Tensor<double>::zeros(Shape{2, 3})),
                       Variable<double>(Tensor<double>(Shape{3}, {0, std::log(4.0), -2})));
  const Tensor<double> h = q.entropy().value();
  REQUIRE(h.shape() == Shape{2, 3});
  CHECK(h.at({1, 0}) == Approx(0.5 * (1 + kLog2Pi)).epsilon(1e-12));
  CHECK(h.at({1, 1}) == Approx(0.5 * (1 + kLog2Pi + std::log(4.0))).epsilon(1e-12));
  CHECK(h.at({0, 2}) == Approx(0.5 * (1 + kLog2Pi - 2)).epsilon(1e-12));
}

TEST_CASE("Normal mean, stddev and variance come in the batch shape", "[distributions]") {
  nn::Normal q(constant(Shape{2, 1}, 1.5f), constant(Shape{3}, std::log(4.f)));
  CHECK(q.batch_shape() == Shape{2, 3});
  CHECK(core::equal(q.mean().value(), Tensor<float>::full(Shape{2, 3}, 1.5f)));
  CHECK(core::allclose(q.stddev().value(), Tensor<float>::full(Shape{2, 3}, 2.f)));
  CHECK(core::allclose(q.variance().value(), Tensor<float>::full(Shape{2, 3}, 4.f)));
}

TEST_CASE("Normal standard is N(0, 1) of the given shape", "[distributions]") {
  const auto p = nn::Normal<float>::standard(Shape{4, 2});
  CHECK(p.is_standard());
  CHECK(p.batch_shape() == Shape{4, 2});
  CHECK(p.loc().numel() == 1);  // not materialised
  CHECK(core::equal(p.mean().value(), Tensor<float>::zeros(Shape{4, 2})));
  CHECK(core::equal(p.stddev().value(), Tensor<float>::ones(Shape{4, 2})));
  core::Generator g1(4), g2(4);
  CHECK(core::equal(p.sample(g1), core::normal<float>(Shape{4, 2}, 0.f, 1.f, g2)));
  const Tensor<float> lp = p.log_prob(constant(Shape{4, 2}, 1.f)).value();
  CHECK(lp.at({3, 1}) == Approx(-0.5 * (kLog2Pi + 1.0)));
}

TEST_CASE("precision_weighted adds the precisions and weighs the means by them", "[distributions]") {
  // N(1, 1) x N(4, 1/2): precision 1 + 2 = 3, mean (1 * 1 + 4 * 2) / 3 = 3.
  const nn::Normal<float> a(constant(Shape{2}, 1.f), constant(Shape{2}, 0.f));
  const nn::Normal<float> b(constant(Shape{2}, 4.f), constant(Shape{2}, static_cast<float>(std::log(0.5))));
  const auto m = nn::precision_weighted(a, b);
  for (int i = 0; i < 2; ++i) {
    CHECK(m.mean().value().data()[i] == Approx(3.0));
    CHECK(m.variance().value().data()[i] == Approx(1.0 / 3.0));
  }
  // Far-apart precisions stay finite: the sharper one wins.
  const nn::Normal<float> sharp(constant(Shape{1}, 2.f), constant(Shape{1}, -60.f));
  const nn::Normal<float> flat(constant(Shape{1}, -5.f), constant(Shape{1}, 60.f));
  const auto s = nn::precision_weighted(sharp, flat);
  CHECK(s.mean().value().data()[0] == Approx(2.0));
  CHECK(s.logvar().value().data()[0] == Approx(-60.0));
}

TEST_CASE("Normal rejects parameters that do not broadcast", "[distributions]") {
  CHECK_THROWS_AS(nn::Normal(constant(Shape{2, 3}, 0.f), constant(Shape{4}, 0.f)), core::ShapeError);
  CHECK_THROWS_WITH(nn::Normal(constant(Shape{2, 3}, 0.f), constant(Shape{4}, 0.f)),
                    "Normal: shapes (2, 3) and (4) cannot be broadcast together");
}

TEST_CASE("sum_event sums the trailing event axes", "[distributions]") {
  const Variable<float> x(Tensor<float>::ones(Shape{2, 3, 4}));
  CHECK(nn::sum_event(x, 0).shape() == Shape{2, 3, 4});
  CHECK(core::equal(nn::sum_event(x).value(), Tensor<float>::full(Shape{2, 3}, 4.f)));
  CHECK(core::equal(nn::sum_event(x, 2).value(), Tensor<float>::full(Shape{2}, 12.f)));
  CHECK_THROWS_WITH(nn::sum_event(x, 4), "sum_event: cannot sum the last 4 axes of a tensor of shape (2, 3, 4)");
}
