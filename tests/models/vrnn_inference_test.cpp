// Vrnn::step_scores and Vrnn::sample_future, what the series apps build on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "xgrad/models/vrnn.hpp"

using namespace xgrad;
using core::Index;
using models::Vrnn;

namespace {

models::VrnnOptions series_options() {
  return {.likelihood = models::VrnnLikelihood::Gaussian, .x_dim = 1, .hidden = 12, .latent = 3};
}

nn::Batch sine_batch(Index B, Index L) {
  nn::Tensor x({B, L, 1});
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < L; ++t) x.data()[b * L + t] = std::sin(0.4f * float(t) + 0.7f * float(b));
  return {x, {}, {}};
}

}  // namespace

TEST_CASE("VRNN step scores sum to the negative ELBO of the same posterior draws", "[vrnn]") {
  core::Generator init(3);
  Vrnn m(series_options(), init);
  const nn::Batch batch = sine_batch(4, 10);
  core::Generator a(11), b(11);
  const nn::Tensor scores = m.step_scores(batch, 1, a);
  REQUIRE(scores.shape() == core::Shape({4, 10}));
  double sum = 0;
  for (float v : scores) sum += v;
  const models::EvalSums ev = m.evaluate(batch, b);  // one draw per step, in the same order
  CHECK(sum == Approx(ev.neg_elbo).epsilon(1e-4));
}

TEST_CASE("VRNN step scores single out an inserted spike after training", "[vrnn]") {
  core::Generator gen(5);
  Vrnn m(series_options(), gen);
  const nn::Batch train = sine_batch(16, 24);
  models::Stepper stepper(m, gen, {.lr = 1e-2});
  for (int i = 0; i < 150; ++i) stepper.step(train);
  nn::Batch spiked = sine_batch(1, 24);
  spiked.x.data()[15] += 4.f;
  const nn::Tensor s = m.step_scores(spiked, 8, gen);
  const Index top = std::max_element(s.begin(), s.end()) - s.begin();
  CHECK(top == 15);
}

TEST_CASE("VRNN sample_future draws distinct, reproducible futures", "[vrnn]") {
  core::Generator init(2);
  Vrnn m(series_options(), init);
  nn::Tensor history = sine_batch(1, 8).x;
  nn::Tensor hist5({5, 8, 1});
  for (Index b = 0; b < 5; ++b) std::copy_n(history.data(), 8, hist5.data() + b * 8);
  core::Generator g1(9), g2(9);
  const nn::Tensor f1 = m.sample_future(hist5, 6, g1), f2 = m.sample_future(hist5, 6, g2);
  REQUIRE(f1.shape() == core::Shape({5, 6, 1}));
  CHECK(f1.to_vector() == f2.to_vector());
  CHECK(std::all_of(f1.begin(), f1.end(), [](float v) { return std::isfinite(v); }));
  CHECK(f1.data()[0] != f1.data()[6]);  // rows are separate draws, not one mean path
  CHECK_THROWS_AS(m.sample_future(nn::Tensor({5, 8, 2}), 6, g1), core::ShapeError);
  CHECK_THROWS_AS(m.sample_future(hist5, 0, g1), core::ValueError);
}

TEST_CASE("VRNN step scores and futures are for series models", "[vrnn]") {
  core::Generator gen(1);
  Vrnn text({.likelihood = models::VrnnLikelihood::Categorical, .hidden = 8, .latent = 2}, gen);
  core::IndexTensor ids({1, 5});
  for (Index i = 0; i < 5; ++i) ids.data()[i] = 65 + i;
  CHECK_THROWS_AS(text.step_scores({{}, {}, ids}, 1, gen), core::ValueError);
  CHECK_THROWS_AS(text.sample_future(nn::Tensor({1, 3, 1}), 2, gen), core::ValueError);
}
