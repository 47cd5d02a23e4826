// SSIM by its definition: 1 for an exact copy, the luminance term alone for a shifted copy
// (its contrast and structure are unchanged), the closed form for flat images, and noisy
// pairs against an independent numpy implementation (tests/fixtures/models_ssim.py).
#include "xgrad/models/evaluation/ssim.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "fixture.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad;
using core::Tensor;

namespace {

Tensor<float> random_images(core::Index n, core::Index side, std::uint64_t seed, float lo, float hi) {
  core::Generator gen(seed);
  return core::uniform<float>({n, side * side}, lo, hi, gen);
}

}  // namespace

TEST_CASE("ssim of an image with itself is 1", "[ssim]") {
  const Tensor<float> x = random_images(3, 16, 1, 0, 1);
  for (double s : models::ssim_per_image(x, x, 16, 16)) CHECK(s == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("ssim of flat images is the closed form (2ab + C1) / (a^2 + b^2 + C1)", "[ssim]") {
  Tensor<float> a = Tensor<float>::full({1, 144}, 0.25f), b = Tensor<float>::full({1, 144}, 0.75f);
  const double c1 = 1e-4, want = (2 * 0.25 * 0.75 + c1) / (0.25 * 0.25 + 0.75 * 0.75 + c1);
  CHECK(models::ssim_per_image(a, b, 12, 12)[0] == Approx(want).epsilon(1e-6));
}

TEST_CASE("ssim of a copy shifted by a constant is its mean luminance term", "[ssim]") {
  // An 11 x 11 image gives one window: contrast and structure agree exactly, so the
  // index is (2 m (m + c) + C1) / (m^2 + (m + c)^2 + C1) with m the window's weighted mean.
  const Tensor<float> x = random_images(1, 11, 4, 0.2f, 0.6f);
  Tensor<float> y = x;
  for (core::Index i = 0; i < y.numel(); ++i) y.data()[i] += 0.3f;
  double m = 0, total = 0;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j) {
      const double w = std::exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
      m += w * x.data()[i * 11 + j], total += w;
    }
  m /= total;
  const double c1 = 1e-4, mb = m + 0.3, want = (2 * m * mb + c1) / (m * m + mb * mb + c1);
  CHECK(models::ssim_per_image(x, y, 11, 11)[0] == Approx(want).epsilon(1e-5));
}

TEST_CASE("ssim falls with noise, is symmetric, and averages channels", "[ssim]") {
  const Tensor<float> x = random_images(2, 14, 2, 0, 1);
  Tensor<float> noisy = x, noisier = x;
  core::Generator gen(3);
  const Tensor<float> eps = core::normal<float>({2, 196}, 0, 1, gen);
  for (core::Index i = 0; i < x.numel(); ++i) noisy.data()[i] += 0.05f * eps.data()[i], noisier.data()[i] += 0.3f * eps.data()[i];
  const auto s1 = models::ssim_per_image(noisy, x, 14, 14), s2 = models::ssim_per_image(noisier, x, 14, 14);
  CHECK(s1[0] < 1.0);
  CHECK(s2[0] < s1[0]);
  CHECK(models::ssim_per_image(x, noisy, 14, 14)[0] == Approx(s1[0]).epsilon(1e-12));
  // Two 7 x 14 planes per row: the mean of the planes scored alone.
  const auto both = models::ssim_per_image(noisy, x, 7, 14, 2)[0];
  const Tensor<float> top_n = noisy.reshape({4, 98}), top_c = x.reshape({4, 98});
  const auto planes = models::ssim_per_image(top_n, top_c, 7, 14);
  CHECK(both == Approx((planes[0] + planes[1]) / 2).epsilon(1e-12));
}

TEST_CASE("ssim of noisy pairs matches the reference implementation", "[ssim]") {
  // Noise changes contrast and structure, so the C2 term no longer cancels as in the cases above.
  struct Case {
    const char* name;
    core::Index height, width;
  };
  for (const Case c : {Case{"noisy", 16, 20}, Case{"range2", 16, 20}, Case{"small", 9, 12}}) {
    INFO(c.name);
    const auto get = [&](const char* what) { return test::fixture<double>("models_ssim.json", std::string(c.name) + "." + what); };
    const Tensor<float> clean = get("clean").to<float>(), noisy = get("noisy").to<float>();
    const Tensor<double> want = get("ssim");
    const double range = get("range").data()[0];
    const auto got = models::ssim_per_image(noisy, clean, c.height, c.width, 1, {.range = range});
    REQUIRE(got.size() == static_cast<std::size_t>(want.numel()));
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want.data()[i]).margin(1e-6));
  }
}

TEST_CASE("ssim refuses images of another size", "[ssim]") {
  const Tensor<float> x = random_images(1, 4, 1, 0, 1);
  CHECK_THROWS_AS(models::ssim_per_image(x, x, 5, 5), core::ShapeError);
}
