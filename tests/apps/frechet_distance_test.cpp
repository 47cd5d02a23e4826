// The sample-quality score: the Fréchet distance between Gaussians fitted to feature sets.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>

#include "image/frechet_distance.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad;

TEST_CASE("the Frechet distance of a feature set to itself is zero", "[apps]") {
  core::Generator gen(3);
  auto a = core::normal<float>({400, 6}, 0.f, 1.f, gen);
  CHECK(apps::frechet_distance(a, a) == Approx(0).margin(1e-6));
}

TEST_CASE("the Frechet distance of a shifted feature set is the squared shift", "[apps]") {
  core::Generator gen(4);
  auto a = core::normal<float>({400, 5}, 0.f, 1.f, gen);
  core::Tensor<float> b = a;
  for (core::Index i = 0; i < b.size(0); ++i) b.data()[i * 5 + 2] += 3.f;  // same covariance
  CHECK(apps::frechet_distance(a, b) == Approx(9.0).epsilon(1e-4));
}

TEST_CASE("the Frechet distance between differently scaled Gaussians follows the closed form", "[apps]") {
  // One dimension: (s1 - s2)^2 for standard deviations s1, s2 and equal means.
  core::Generator gen(5);
  auto a = core::normal<float>({5000, 1}, 0.f, 1.f, gen);
  core::Tensor<float> b = a;
  for (auto& v : b) v *= 3.f;
  CHECK(apps::frechet_distance(a, b) == Approx(4.0 * 1.0).epsilon(0.05));
}

namespace {

/// Unbiased 2x2 covariance of x (N, 2), in double: {s00, s01, s11}.
std::array<double, 3> covariance2(const core::Tensor<float>& x) {
  const auto n = x.size(0);
  double m0 = 0, m1 = 0, s00 = 0, s01 = 0, s11 = 0;
  for (core::Index i = 0; i < n; ++i) m0 += x.data()[2 * i], m1 += x.data()[2 * i + 1];
  m0 /= n, m1 /= n;
  for (core::Index i = 0; i < n; ++i) {
    const double a = x.data()[2 * i] - m0, b = x.data()[2 * i + 1] - m1;
    s00 += a * a, s01 += a * b, s11 += b * b;
  }
  return {s00 / (n - 1), s01 / (n - 1), s11 / (n - 1)};
}

}  // namespace

TEST_CASE("the Frechet distance of correlated 2-D sets matches the 2x2 closed form", "[apps]") {
  // For 2x2 S1, S2 (not commuting): tr((S1 S2)^(1/2)) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)).
  core::Generator gen(6);
  auto a = core::normal<float>({3000, 2}, 0.f, 1.f, gen), b = core::normal<float>({3000, 2}, 0.f, 1.f, gen);
  for (core::Index i = 0; i < 3000; ++i) {
    a.data()[2 * i + 1] += 0.8f * a.data()[2 * i];
    b.data()[2 * i] = 2.f * b.data()[2 * i] - 0.5f * b.data()[2 * i + 1];
  }
  const auto [p00, p01, p11] = covariance2(a);
  const auto [q00, q01, q11] = covariance2(b);
  const double tr_prod = p00 * q00 + 2 * p01 * q01 + p11 * q11;
  const double dets = (p00 * p11 - p01 * p01) * (q00 * q11 - q01 * q01);
  double mean_gap = 0;  // both means are near 0 but not 0: take them from the data
  for (int j = 0; j < 2; ++j) {
    double ma = 0, mb = 0;
    for (core::Index i = 0; i < 3000; ++i) ma += a.data()[2 * i + j], mb += b.data()[2 * i + j];
    mean_gap += (ma / 3000 - mb / 3000) * (ma / 3000 - mb / 3000);
  }
  const double want = mean_gap + p00 + p11 + q00 + q11 - 2 * std::sqrt(tr_prod + 2 * std::sqrt(dets));
  CHECK(apps::frechet_distance(a, b) == Approx(want).epsilon(1e-9));
  CHECK(apps::frechet_distance(b, a) == Approx(want).epsilon(1e-9));
}
