// The sample-quality score: the Fréchet distance between Gaussians fitted to feature sets.
#include <catch2/catch.hpp>

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
