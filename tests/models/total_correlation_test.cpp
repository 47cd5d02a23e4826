// The total-correlation primitives: permute_dims and the pairwise log-density gradchecked
// in double, the KL decomposition's identity and known answers for both samplings, and
// the evaluation estimate on independent vs dependent codes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/total_correlation.hpp"

using namespace xgrad;
using namespace xgrad::models;
using autograd::Variable;
using core::Index;
using Vars = std::vector<Variable<double>>;

namespace {

Variable<double> leaf(const core::Shape& shape, std::uint64_t seed, double scale = 1.0) {
  core::Generator gen(seed);
  return Variable<double>(core::normal<double>(shape, 0.0, scale, gen), true);
}

bool gradients_match(const std::function<Variable<double>(const Vars&)>& f, const Vars& inputs) {
  const autograd::GradcheckResult r = autograd::gradcheck(f, inputs);
  UNSCOPED_INFO(r.message);
  return r.ok;
}

Variable<double> all_parts(const KlDecomposition<double>& k) {
  return autograd::concat<double>({k.mi, k.tc, k.dim_kl}, 0);
}

}  // namespace

TEST_CASE("permute_dims shuffles each column on its own and is gradchecked", "[total_correlation]") {
  core::Generator gen(3);
  const Variable<double> z(core::Tensor<double>::arange(0, 40).reshape(core::Shape{10, 4}));
  const core::Tensor<double> p = permute_dims(z, gen).value();
  bool columns_differ = false;
  for (Index d = 0; d < 4; ++d) {
    std::vector<double> col;
    for (Index i = 0; i < 10; ++i) col.push_back(p.at({i, d}));
    for (Index i = 0; i < 10; ++i) columns_differ |= p.at({i, d}) - static_cast<double>(d) != p.at({i, 0});
    std::sort(col.begin(), col.end());
    for (Index i = 0; i < 10; ++i) CHECK(col[static_cast<std::size_t>(i)] == z.value().at({i, d}));  // same values
  }
  CHECK(columns_differ);  // not one permutation of whole rows
  CHECK(gradients_match(
      [](const Vars& v) {
        core::Generator g(5);  // the same permutation in every evaluation
        return autograd::mul(permute_dims(v[0], g), v[0]);  // rows meet other rows: a non-trivial Jacobian
      },
      {leaf(core::Shape{5, 3}, 1)}));
}

TEST_CASE("pairwise_log_density is log q(z_i | x_j) per dimension and is gradchecked", "[total_correlation]") {
  const Variable<double> mu = leaf(core::Shape{4, 3}, 1), logvar = leaf(core::Shape{4, 3}, 2, 0.5), z = leaf({4, 3}, 3);
  const core::Tensor<double> lp = pairwise_log_density(nn::Normal<double>(mu, logvar), z).value();
  REQUIRE(lp.shape() == core::Shape{4, 4, 3});
  const double lv = logvar.value().at({2, 1}), diff = z.value().at({0, 1}) - mu.value().at({2, 1});
  CHECK(lp.at({0, 2, 1}) == Approx(-0.5 * (std::log(2 * std::numbers::pi) + lv + diff * diff * std::exp(-lv))));
  CHECK(gradients_match([](const Vars& v) { return pairwise_log_density(nn::Normal<double>(v[0], v[1]), v[2]); },
                        {leaf(core::Shape{3, 2}, 4), leaf(core::Shape{3, 2}, 5, 0.5), leaf(core::Shape{3, 2}, 6)}));
}

TEST_CASE("decompose_kl is gradchecked with either sampling", "[total_correlation]") {
  for (TcSampling s : {TcSampling::MinibatchWeighted, TcSampling::MinibatchStratified}) {
    CHECK(gradients_match(
        [s](const Vars& v) { return all_parts(decompose_kl(nn::Normal<double>(v[0], v[1]), v[2], 50, s)); },
        {leaf(core::Shape{4, 3}, 7), leaf(core::Shape{4, 3}, 8, 0.5), leaf(core::Shape{4, 3}, 9)}));
  }
}

TEST_CASE("the three parts add up to log q(z|x) - log p(z), with known answers for equal posteriors",
          "[total_correlation]") {
  const Index b = 6, d = 3;
  const std::int64_t n = 1000;
  core::Generator gen(11);
  const core::Tensor<double> row = core::normal<double>({d}, 0.0, 1.0, gen);
  core::Tensor<double> rows({b, d});
  for (Index i = 0; i < b * d; ++i) rows.data()[i] = row.data()[i % d];
  const Variable<double> mu(rows);
  const Variable<double> logvar(core::Tensor<double>::full({b, d}, -1.0));
  const nn::Normal<double> q(mu, logvar);
  const Variable<double> z(q.sample(gen));
  const core::Tensor<double> log_qzx = autograd::sum(q.log_prob(z), {1}).value();
  const core::Tensor<double> log_pz = autograd::sum(nn::Normal<double>::standard({b, d}).log_prob(z), {1}).value();
  const double log_n = std::log(static_cast<double>(n));
  for (TcSampling s : {TcSampling::MinibatchWeighted, TcSampling::MinibatchStratified}) {
    const KlDecomposition<double> k = decompose_kl(q, z, n, s);
    // Every example has the same posterior, so q(z) = q(z | x) and it factorises: MSS, whose
    // weights sum to 1, finds MI = TC = 0; MWS weighs the batch 1/(N M) each (Chen et al.'s
    // estimator), which shifts log q(z) by -log N and each log q(z_d) by -log N.
    const double mi = s == TcSampling::MinibatchStratified ? 0 : log_n;
    const double tc = s == TcSampling::MinibatchStratified ? 0 : (d - 1) * log_n;
    for (Index i = 0; i < b; ++i) {
      CHECK(k.mi.value().data()[i] == Approx(mi).margin(1e-9));
      CHECK(k.tc.value().data()[i] == Approx(tc).margin(1e-9));
      CHECK(k.mi.value().data()[i] + k.tc.value().data()[i] + k.dim_kl.value().data()[i] == Approx(log_qzx.data()[i] - log_pz.data()[i]).epsilon(1e-12));
    }
  }
}

TEST_CASE("total_correlation matches the Gaussian answer: 0 for independent codes, -log det R / 2 for copies",
          "[total_correlation]") {
  core::Generator gen(21);
  const Index n = 400;
  // Posteriors N(mu_i, 0.25 I) with mu ~ N(0, I): q(z) = N(0, 1.25 I), whose TC is 0. With
  // the three means equal q(z) has correlation 0.8 between every pair of dimensions:
  // TC = -log det R / 2 = -log(0.2^2 * 2.6) / 2 = 1.132 nats.
  core::Tensor<float> mu = core::normal<float>({n, 3}, 0.f, 1.f, gen);
  const core::Tensor<float> logvar = core::Tensor<float>::full({n, 3}, std::log(0.25f));
  core::Generator g1(5), g2(5);
  const double independent = total_correlation(mu, logvar, g1);
  for (Index i = 0; i < n; ++i) mu.at({i, 1}) = mu.at({i, 2}) = mu.at({i, 0});
  const double dependent = total_correlation(mu, logvar, g2);
  CHECK(std::abs(independent) < 0.15);
  CHECK(dependent == Approx(-0.5 * std::log(0.04 * 2.6)).margin(0.15));
}
