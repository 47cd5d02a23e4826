// The corruptions of denoising models: each kind does what its spec says (statistics
// on many pixels), draws are deterministic from the generator, a corrupted dataset's
// rows do not depend on batching, and bad specs are one clear error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

#include "xgrad/nn/data/corruption.hpp"

using namespace xgrad;
using core::Index;
using nn::Corruption;

namespace {

core::Tensor<float> constant(core::Index b, core::Index d, float v) { return core::Tensor<float>::full({b, d}, v); }

double fraction_equal(const core::Tensor<float>& x, float v) {
  double n = 0;
  for (float p : x) n += p == v ? 1 : 0;
  return n / static_cast<double>(x.numel());
}

}  // namespace

TEST_CASE("corruption specs parse into their kind and amount, and print back", "[data][corruption]") {
  const Corruption g = Corruption::parse("gaussian:0.3");
  CHECK(g.kind == Corruption::Kind::Gaussian);
  CHECK(g.amount == 0.3);
  CHECK(Corruption::parse("mask:0.5").kind == Corruption::Kind::Mask);
  CHECK(Corruption::parse("salt:0.1").kind == Corruption::Kind::SaltPepper);
  CHECK(Corruption::parse("block:12").amount == 12);
  for (const char* spec : {"gaussian:0.3", "mask:0.5", "salt:0.1", "block:12", "mask:1"})
    CHECK(Corruption::parse(spec).str() == spec);
}

TEST_CASE("bad corruption specs are one error naming the spec and the fault", "[data][corruption]") {
  const std::pair<const char*, const char*> cases[] = {
      {"blur:2", "corruption 'blur:2': unknown kind 'blur'"},
      {"", "corruption '': unknown kind ''"},
      {"mask", "corruption 'mask': missing its amount"},
      {"mask:", "corruption 'mask:': '' is not a number"},
      {"mask:half", "'half' is not a number"},
      {"mask:0.5x", "'0.5x' is not a number"},
      {"gaussian:nan", "'nan' is not a number"},
      {"gaussian:0", "SIGMA must be positive"},
      {"gaussian:-0.3", "SIGMA must be positive"},
      {"mask:0", "P must be in (0, 1]"},
      {"salt:1.5", "P must be in (0, 1]"},
      {"block:0", "SIZE must be a whole number"},
      {"block:2.5", "SIZE must be a whole number"},
  };
  for (const auto& [spec, want] : cases) {
    INFO(spec);
    try {
      (void)Corruption::parse(spec);
      FAIL("no error");
    } catch (const core::ValueError& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Catch::Contains(want));
      CHECK_THAT(what, Catch::Contains("expected gaussian:SIGMA, mask:P, salt:P or block:SIZE"));
      CHECK(what.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("gaussian noise has the asked standard deviation and is clamped to 0..1", "[data][corruption]") {
  core::Generator gen(1);
  const core::Tensor<float> x = Corruption::parse("gaussian:0.1").apply(constant(100, 784, 0.5f), gen);
  double sum = 0, sq = 0;
  for (float v : x) sum += v, sq += (v - 0.5) * (v - 0.5);
  const double n = static_cast<double>(x.numel());
  CHECK(sum / n == Approx(0.5).margin(0.002));
  CHECK(std::sqrt(sq / n) == Approx(0.1).epsilon(0.01));
  // sigma 1 on white pixels: about half would exceed 1 and are clamped to it.
  const core::Tensor<float> y = Corruption::parse("gaussian:1").apply(constant(100, 784, 1.f), gen);
  for (float v : y) REQUIRE((v >= 0.f && v <= 1.f));
  CHECK(fraction_equal(y, 1.f) == Approx(0.5).margin(0.01));
  CHECK(fraction_equal(y, 0.f) > 0.1);  // N(0,1) < -1 in ~16% of the pixels
}

TEST_CASE("masking erases a fraction P of the pixels and leaves the rest", "[data][corruption]") {
  core::Generator gen(2);
  const core::Tensor<float> x = Corruption::parse("mask:0.3").apply(constant(100, 784, 0.7f), gen);
  CHECK(fraction_equal(x, 0.f) == Approx(0.3).margin(0.005));
  CHECK(fraction_equal(x, 0.f) + fraction_equal(x, 0.7f) == 1.0);
  core::Generator all(3);
  CHECK(fraction_equal(Corruption::parse("mask:1").apply(constant(2, 9, 1.f), all), 0.f) == 1.0);
}

TEST_CASE("salt-and-pepper replaces a fraction P of the pixels, half by 0 and half by 1", "[data][corruption]") {
  core::Generator gen(4);
  const core::Tensor<float> x = Corruption::parse("salt:0.2").apply(constant(100, 784, 0.5f), gen);
  CHECK(fraction_equal(x, 0.f) == Approx(0.1).margin(0.004));
  CHECK(fraction_equal(x, 1.f) == Approx(0.1).margin(0.004));
  CHECK(fraction_equal(x, 0.5f) == Approx(0.8).margin(0.005));
}

TEST_CASE("block occlusion blacks out one S x S square per image, anywhere it fits", "[data][corruption]") {
  core::Generator gen(5);
  const Index n = 400;
  const core::Tensor<float> x = Corruption::parse("block:12").apply(constant(n, 784, 1.f), gen);
  std::vector<int> tops(17, 0);
  for (Index b = 0; b < n; ++b) {
    Index top = 28, left = 28, bottom = -1, right = -1, zeros = 0;
    for (Index r = 0; r < 28; ++r)
      for (Index c = 0; c < 28; ++c)
        if (x.at({b, r * 28 + c}) == 0.f)
          ++zeros, top = std::min(top, r), left = std::min(left, c), bottom = std::max(bottom, r), right = std::max(right, c);
    REQUIRE(zeros == 144);  // exactly one 12 x 12 square
    REQUIRE((bottom - top == 11 && right - left == 11));
    ++tops[static_cast<std::size_t>(top)];
  }
  // Every one of the 17 positions is used (400 draws: each expected ~23.5 times).
  for (int t : tops) CHECK(t > 5);
  // Channels of one image share the block; images shaped (B, C, H, W) are accepted.
  core::Generator g2(6);
  const core::Tensor<float> c = Corruption::parse("block:3").apply(core::Tensor<float>::ones({2, 3, 5, 5}), g2);
  for (Index b = 0; b < 2; ++b)
    for (Index i = 0; i < 25; ++i) CHECK(c.data()[b * 75 + i] == c.data()[b * 75 + 50 + i]);
}

TEST_CASE("a block larger than the image, or block on non-square rows, is an error", "[data][corruption]") {
  core::Generator gen(7);
  CHECK_THROWS_WITH(Corruption::parse("block:30").apply(constant(1, 784, 1.f), gen),
                    "corruption: a block of 30 pixels does not fit in 28 x 28 images");
  CHECK_THROWS_WITH(Corruption::parse("block:2").apply(constant(1, 10, 1.f), gen),
                    "corruption: block needs square images, and rows of 10 pixels are not");
  // Pixel-wise kinds take rows of any length.
  CHECK(Corruption::parse("mask:0.5").apply(constant(1, 10, 1.f), gen).shape() == core::Shape{1, 10});
}

TEST_CASE("corruption is deterministic from the generator's state", "[data][corruption]") {
  core::Generator data_gen(9);
  const core::Tensor<float> x = core::uniform<float>({8, 784}, 0.f, 1.f, data_gen);
  for (const char* spec : {"gaussian:0.3", "mask:0.5", "salt:0.1", "block:12"}) {
    INFO(spec);
    const Corruption c = Corruption::parse(spec);
    core::Generator a(11), b(11), other(12);
    const core::Tensor<float> ya = c.apply(x, a), yb = c.apply(x, b), yo = c.apply(x, other);
    CHECK(core::equal(ya, yb));
    CHECK_FALSE(core::equal(ya, yo));
    CHECK_FALSE(core::equal(ya, x));
  }
}

TEST_CASE("a corrupted dataset gives each row the same corruption in any batch, and the clean image as y",
          "[data][corruption]") {
  core::Generator gen(13);
  auto clean = std::make_shared<nn::TensorDataset>(core::uniform<float>({6, 784}, 0.f, 1.f, gen), core::Tensor<float>{},
                                                   core::IndexTensor(core::Shape{6}, {0, 1, 2, 3, 4, 5}));
  const nn::CorruptedDataset noisy(clean, Corruption::parse("salt:0.2"), 42);
  const nn::Batch all = noisy.get_batch({0, 1, 2, 3, 4, 5});
  const nn::Batch one = noisy.get_batch({3});
  const nn::Batch again = noisy.get_batch({5, 3});
  for (Index j = 0; j < 784; ++j) {
    REQUIRE(one.x.at({0, j}) == all.x.at({3, j}));
    REQUIRE(again.x.at({1, j}) == all.x.at({3, j}));
  }
  CHECK(core::equal(all.y, clean->x()));
  CHECK(all.labels.to_vector() == std::vector<Index>{0, 1, 2, 3, 4, 5});
  CHECK_FALSE(core::equal(all.x, all.y));
  // Another seed, other corruptions; identical rows are corrupted differently.
  const nn::CorruptedDataset reseeded(clean, Corruption::parse("salt:0.2"), 43);
  CHECK_FALSE(core::equal(reseeded.get_batch({3}).x, one.x));
  const nn::CorruptedDataset grey(std::make_shared<nn::TensorDataset>(constant(2, 784, 0.5f)), Corruption::parse("salt:0.2"), 42);
  const nn::Batch two = grey.get_batch({0, 1});
  CHECK_FALSE(std::equal(two.x.data(), two.x.data() + 784, two.x.data() + 784));
}
