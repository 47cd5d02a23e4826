// How eval and compare count the samples the built-in classifier is sure of.
#include <catch2/catch.hpp>

#include "image/sample_quality.hpp"

using namespace xgrad;

namespace {

core::Tensor<float> rows(std::initializer_list<std::initializer_list<float>> values) {
  const auto n = static_cast<core::Index>(values.size()), k = static_cast<core::Index>(values.begin()->size());
  core::Tensor<float> t(core::Shape({n, k}));
  float* out = t.data();
  for (const auto& r : values)
    for (float v : r) *out++ = v;
  return t;
}

}  // namespace

TEST_CASE("a sample is confident when its largest class probability reaches the threshold", "[apps]") {
  const auto p = rows({{0.95f, 0.03f, 0.02f}, {0.5f, 0.3f, 0.2f}, {0.05f, 0.05f, 0.9f}, {0.1f, 0.85f, 0.05f}});
  CHECK(apps::confident_share(p, 0.9) == Approx(0.5));  // rows 0 and 2: the largest entry, wherever it is
  CHECK(apps::confident_share(p, 0.5) == Approx(1.0));
  CHECK(apps::confident_share(p, 0.96) == Approx(0.0));
}
