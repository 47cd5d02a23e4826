// Non-finite numbers are never silent: training stops naming the step and term,
// checkpoints holding NaN are neither written nor resumed, and a series near the
// end of double's range normalises to finite numbers.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/series.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/serialize/checkpoint.hpp"
#include "xgrad/nn/train/non_finite.hpp"

using namespace xgrad;
using Catch::Matchers::Contains;

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

nn::Checkpoint small_checkpoint(core::Generator& gen) {
  auto fc = nn::make<nn::Linear>(nn::LinearOptions{3, 2}, gen);
  nn::Adam opt(fc->parameters(), nn::AdamOptions{.lr = 0.1});
  return {fc->state_dict(), {{"adam", opt.state()}}, {{"step", 1.0}}, gen.state(), {{"kind", "linear"}}};
}
}  // namespace

TEST_CASE("require_finite_terms names the step and the first non-finite term", "[non-finite]") {
  CHECK_NOTHROW(nn::require_finite_terms(3, {{"loss", 1.5}, {"kl", 0.0}}));
  CHECK_THROWS_WITH(nn::require_finite_terms(12, {{"loss", 1.0}, {"kl", std::nan("")}, {"recon", INFINITY}}),
                    Contains("step 12: the training loss term 'kl' is nan"));
  CHECK_THROWS_AS(nn::require_finite_terms(1, {{"recon", -INFINITY}}), nn::NonFiniteError);
}

TEST_CASE("require_finite_parameters names the parameter an update broke", "[non-finite]") {
  core::Generator gen(1);
  auto fc = nn::make<nn::Linear>(nn::LinearOptions{3, 2}, gen);
  CHECK_NOTHROW(nn::require_finite_parameters(5, *fc));
  fc->named_parameters()[1].second.value_mut().data()[1] = kInf;
  CHECK_THROWS_WITH(nn::require_finite_parameters(5, *fc), Contains("step 5: the update made parameter 'bias' NaN or Inf"));
}

TEST_CASE("first_non_finite finds NaN and Inf, in order", "[non-finite]") {
  nn::StateDict state{{"a", nn::Tensor(core::Shape{2}, {1.f, 2.f})}, {"b", nn::Tensor(core::Shape{2}, {0.f, kNaN})},
                      {"c", nn::Tensor(core::Shape{1}, {kInf})}};
  CHECK(nn::first_non_finite(state) == "b");
  state[1].second.data()[1] = 0;
  CHECK(nn::first_non_finite(state) == "c");
  state[2].second.data()[0] = 0;
  CHECK(nn::first_non_finite(state).empty());
}

TEST_CASE("a checkpoint holding NaN is not written", "[non-finite]") {
  core::Generator gen(2);
  nn::Checkpoint ck = small_checkpoint(gen);
  CHECK_NOTHROW(nn::encode_checkpoint(ck));
  ck.model[0].second.data()[0] = kNaN;
  CHECK_THROWS_WITH(nn::encode_checkpoint(ck), Contains("refusing to write model tensor \"weight\""));
  ck = small_checkpoint(gen);
  ck.optimizers[0].second.tensors.emplace_back("moment", nn::Tensor(core::Shape{2}, {0.f, kInf}));
  CHECK_THROWS_WITH(nn::encode_checkpoint(ck), Contains("refusing to write optimizer \"adam\" state"));
}

TEST_CASE("a checkpoint whose bytes turned into NaN is refused on load, naming the tensor", "[non-finite]") {
  core::Generator gen(3);
  nn::Checkpoint ck = small_checkpoint(gen);
  ck.optimizers[0].second.tensors.emplace_back("moment", nn::Tensor(core::Shape{2}, {0.f, 1.f}));
  std::string bytes = nn::encode_checkpoint(ck);
  CHECK_NOTHROW(nn::decode_checkpoint(bytes, "ck"));
  // The last 4 bytes are the last value of the last tensor: 0xFF bytes are a NaN.
  std::memset(bytes.data() + bytes.size() - 4, 0xFF, 4);
  CHECK_THROWS_AS(nn::decode_checkpoint(bytes, "ck"), nn::DataError);
  CHECK_THROWS_WITH(nn::decode_checkpoint(bytes, "ck"),
                    Contains("checkpoint: ck: tensor \"") && Contains("holds NaN or Inf; the file is damaged"));
}

TEST_CASE("a series near the end of double's range normalises to finite numbers", "[non-finite]") {
  const std::vector<double> huge{1.5e308, 1.6e308, 1.4e308, 1.5e308};
  const nn::Normalization n = nn::Normalization::fit(huge);
  CHECK(n.mean == Approx(1.5e308));
  CHECK(n.scale == Approx(std::sqrt(0.005) * 1e308));
  CHECK(n.apply(1.6e308) == Approx(std::sqrt(2.0)));
  const std::vector<double> swing{1.7e308, -1.7e308, 1.7e308, -1.7e308};
  const nn::Normalization s = nn::Normalization::fit(swing);
  CHECK(s.mean == 0.0);
  CHECK(s.scale == Approx(1.7e308));
  CHECK(s.apply(-1.7e308) == Approx(-1.0));
  CHECK_THROWS_WITH(nn::Normalization::fit({1.0, INFINITY}), Contains("infinite or NaN"));
  // Ordinary series keep the plain formula's bits.
  const nn::Normalization small = nn::Normalization::fit({1.0, 2.0, 4.0});
  CHECK(small.mean == 7.0 / 3.0);
}
