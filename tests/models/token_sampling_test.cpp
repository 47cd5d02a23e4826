// Temperature, top-k and nucleus sampling (models/common/token_sampling.hpp), shared by every text model.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "xgrad/core/error.hpp"
#include "xgrad/models/common/token_sampling.hpp"

using namespace xgrad;
using models::TokenSampling;
using Tensor = core::Tensor<float>;
using Var = autograd::Variable<float>;

namespace {
/// Rows of the probabilities 0.5, 0.3, 0.15, 0.05 in a shuffled order (classes 2, 0, 3, 1).
Tensor logits(core::Index rows) {
  const std::vector<float> p{0.3f, 0.05f, 0.5f, 0.15f};
  Tensor out({rows, 4});
  for (core::Index r = 0; r < rows; ++r)
    for (core::Index c = 0; c < 4; ++c) out.data()[r * 4 + c] = std::log(p[static_cast<std::size_t>(c)]);
  return out;
}

std::vector<bool> kept(const TokenSampling& s) {
  const Tensor t = models::truncated_logits(logits(1), s);
  std::vector<bool> out;
  for (float v : t) out.push_back(std::isfinite(v));
  return out;
}
}  // namespace

TEST_CASE("sampling without truncation draws what Categorical::sample draws", "[sampling]") {
  const nn::Categorical<> p{Var(logits(64))};
  core::Generator a(3), b(3);
  CHECK(models::sample_tokens(p, a, {0.7f}).to_vector() == p.sample(b, 0.7f).to_vector());
}

TEST_CASE("top-k keeps the k most likely tokens", "[sampling]") {
  CHECK(kept({1.f, 1}) == std::vector<bool>{false, false, true, false});
  CHECK(kept({1.f, 2}) == std::vector<bool>{true, false, true, false});
  CHECK(kept({1.f, 9}) == std::vector<bool>{true, true, true, true});
  const nn::Categorical<> p{Var(logits(2000))};
  core::Generator gen(1);
  const auto draws = models::sample_tokens(p, gen, {1.f, 2});
  core::Index zeros = 0;
  for (core::Index c : draws) {
    REQUIRE((c == 0 || c == 2));
    zeros += c == 0;
  }
  CHECK(double(zeros) / 2000.0 == Approx(0.3 / 0.8).margin(0.04));  // renormalised over the two kept
}

TEST_CASE("top-p keeps the fewest most likely tokens that reach p", "[sampling]") {
  CHECK(kept({1.f, 0, 0.4f}) == std::vector<bool>{false, false, true, false});
  CHECK(kept({1.f, 0, 0.75f}) == std::vector<bool>{true, false, true, false});
  CHECK(kept({1.f, 0, 0.85f}) == std::vector<bool>{true, false, true, true});
  CHECK(kept({1.f, 2, 0.99f}) == std::vector<bool>{true, false, true, false});  // top-k first, then the nucleus
  // The temperature sharpens before the nucleus is taken: at T = 0.1 the top token holds > 0.99.
  CHECK(kept({0.1f, 0, 0.99f}) == std::vector<bool>{false, false, true, false});
}

TEST_CASE("sampling settings out of range are errors", "[sampling]") {
  CHECK_THROWS_AS(TokenSampling(0.f).check(), core::ValueError);
  CHECK_THROWS_AS(TokenSampling(1.f, -1).check(), core::ValueError);
  CHECK_THROWS_AS(TokenSampling(1.f, 0, 0.f).check(), core::ValueError);
  CHECK_THROWS_AS(TokenSampling(1.f, 0, 1.5f).check(), core::ValueError);
}
