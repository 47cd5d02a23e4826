#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "xgrad/models/rnn_lm.hpp"

using namespace xgrad;
using core::Index;
using models::RnnLm;
using models::RnnLmOptions;
using models::Stepper;

namespace {
nn::Batch sine(Index B, Index L) {
  nn::Tensor x({B, L, 1});
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < L; ++t) x.data()[b * L + t] = std::sin(0.4f * float(t) + 0.7f * float(b));
  return {x, {}, {}};
}
}  // namespace

TEST_CASE("GRU baseline loss falls on a sine series", "[vrnn][rnn_lm]") {
  core::Generator gen(1);
  RnnLm m({.hidden = 12}, gen);
  Stepper st(m, gen, {.lr = 1e-2});
  const auto batch = sine(8, 16);
  const double first = st.step(batch).loss;
  double last = first;
  for (int i = 0; i < 40; ++i) last = st.step(batch).loss;
  CHECK(last < first - 5.0);
  const auto e = m.evaluate(batch, gen);
  CHECK(e.kl == 0);
  CHECK(e.neg_elbo / double(e.count) == Approx(st.step(batch).loss).epsilon(0.05));
}

TEST_CASE("LSTM baseline loss falls on a short text", "[vrnn][rnn_lm]") {
  core::Generator gen(2);
  RnnLm m({.likelihood = models::VrnnLikelihood::Categorical, .cell = models::RecurrentCell::LSTM, .hidden = 16}, gen);
  Stepper st(m, gen, {.lr = 1e-2});
  const std::string s = "the cat sat on the mat. ";
  core::IndexTensor ids({4, 11});
  for (Index b = 0; b < 4; ++b)
    for (Index t = 0; t < 11; ++t) ids.data()[b * 11 + t] = s[(3 * b + t) % s.size()];
  const nn::Batch batch{{}, {}, ids};
  const double first = st.step(batch).loss;
  CHECK(first == Approx(10 * std::log(256.0)).epsilon(0.1));
  double last = first;
  for (int i = 0; i < 30; ++i) last = st.step(batch).loss;
  CHECK(last < 0.7 * first);
}
