// The pieces the sequence models (Vrnn, RnnLm) are wired from: the recurrence
// (common/recurrence.hpp), the ELBO over padded windows (common/elbo.hpp), the value
// windows of SequenceInput, and a likelihood head passed in.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/recurrence.hpp"
#include "xgrad/models/rnn_lm.hpp"
#include "xgrad/models/vrnn.hpp"

using namespace xgrad;
using namespace xgrad::models;
using core::Index;
using nn::Tensor;

namespace {

Tensor randn(const core::Shape& shape, core::Generator& gen) { return core::normal<float>(shape, 0.f, 1.f, gen); }

nn::Batch sine(Index B, Index L) {
  Tensor x({B, L, 1});
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < L; ++t) x.data()[b * L + t] = std::sin(0.4f * float(t) + 0.7f * float(b));
  return {x, {}, {}};
}

bool has_parameter(const nn::Module& m, const std::string& name) {
  for (const auto& [n, p] : m.named_parameters())
    if (n == name) return true;
  return false;
}

}  // namespace

TEST_CASE("a Recurrence steps its GRU or LSTM cell from a zero state", "[sequence]") {
  for (const RecurrentCell kind : {RecurrentCell::GRU, RecurrentCell::LSTM}) {
    core::Generator gen(1);
    const Recurrence cell(kind, {.in = 3, .hidden = 4}, gen);
    const bool lstm = kind == RecurrentCell::LSTM;
    CHECK(cell.name() == (lstm ? "LSTM" : "GRU"));
    const RecurrentState s0 = cell.zeros(2);
    CHECK(s0.h.shape() == core::Shape{2, 4});
    CHECK(s0.c.defined() == lstm);
    const Var x(randn({2, 3}, gen));
    const RecurrentState s1 = cell.step(x, s0);
    if (lstm) {
      const nn::LSTMState want = dynamic_cast<nn::LSTMCell&>(*cell.module()).forward(x, {s0.h, s0.c});
      CHECK(s1.h.value().to_vector() == want.h.value().to_vector());
      CHECK(s1.c.value().to_vector() == want.c.value().to_vector());
    } else {
      const Var want = dynamic_cast<nn::GRUCell&>(*cell.module()).forward(x, s0.h);
      CHECK(s1.h.value().to_vector() == want.value().to_vector());
    }
  }
}

TEST_CASE("a Recurrence starts from a given state of the right shape, else zeros", "[sequence]") {
  core::Generator gen(2);
  const Recurrence cell(RecurrentCell::GRU, {.in = 3, .hidden = 4}, gen);
  const RecurrentState given{Var(Tensor::ones({2, 4})), {}};
  CHECK(cell.start(2, given).h.value().to_vector() == given.h.value().to_vector());
  CHECK(cell.start(2, {}).h.value().to_vector() == Tensor::zeros({2, 4}).to_vector());
  CHECK_THROWS_AS(cell.start(3, given), core::ShapeError);
}

TEST_CASE("keep_rows keeps the state of the rows whose step is padding", "[sequence]") {
  const RecurrentState prev{Var(Tensor::ones({2, 2})), Var(Tensor::ones({2, 2}))};
  const RecurrentState next{Var(Tensor::zeros({2, 2})), Var(Tensor::zeros({2, 2}))};
  const RecurrentState s = keep_rows(Tensor({2, 1}, {1.f, 0.f}), next, prev);
  CHECK(s.h.value().to_vector() == std::vector<float>{0, 0, 1, 1});
  CHECK(s.c.value().to_vector() == std::vector<float>{0, 0, 1, 1});
  CHECK(keep_rows(Tensor(), next, prev).h.value().to_vector() == next.h.value().to_vector());
}

TEST_CASE("SequenceInput reads the values a model emits as a window", "[sequence]") {
  const SequenceInput text = SequenceInput::of_values(Tensor({2, 1}, {65.f, 66.f}), true);
  CHECK((text.steps == 1 && text.rows == 2));
  CHECK(text.ids_at(0).to_vector() == std::vector<Index>{65, 66});
  CHECK_FALSE(text.mask_at(0).defined());
  const Tensor x({2, 3, 1}, {1, 2, 3, 4, 5, 6});  // batch-major
  const SequenceInput series = SequenceInput::of_values(x, false);
  CHECK((series.steps == 3 && series.rows == 2));
  CHECK(series.x_at(1).to_vector() == std::vector<float>{2, 5});
}

TEST_CASE("masked_elbo and masked_log_weight count nothing for padded steps", "[sequence]") {
  core::Generator gen(3);
  const Index B = 2, L = 3, Z = 2;
  const nn::Normal<> q(Var(randn({B, L, Z}, gen)), Var(randn({B, L, Z}, gen)));
  const nn::Normal<> p(Var(randn({B, L, Z}, gen)), Var(randn({B, L, Z}, gen)));
  const nn::Normal<> lik(Var(randn({B, L, 1}, gen)), Var(randn({B, L, 1}, gen)));
  const Var x(randn({B, L, 1}, gen)), z(randn({B, L, Z}, gen));
  const Tensor mask({B, L}, {1, 1, 1, 1, 1, 0});
  const ElboTerms e = masked_elbo(lik, x, q, p, mask, ElboObjective::elbo());
  const Tensor lp = lik.log_prob(x).value(), kl = nn::kl_divergence(q, p).value();
  const Tensor lw_step = nn::sum_event(p.log_prob(z) - q.log_prob(z), 1).value();
  for (Index b = 0; b < B; ++b) {
    double recon = 0, kl_sum = 0, lw = 0;
    for (Index t = 0; t < L; ++t) {
      if (mask.data()[b * L + t] == 0) continue;
      recon += lp.data()[b * L + t];
      lw += lp.data()[b * L + t] + lw_step.data()[b * L + t];
      for (Index j = 0; j < Z; ++j) kl_sum += kl.data()[(b * L + t) * Z + j];
    }
    CHECK(e.recon_log_lik.value().data()[b] == Approx(recon));
    CHECK(e.kl.value().data()[b] == Approx(kl_sum));
    CHECK(masked_log_weight(lik, x, q, p, z, mask).value().data()[b] == Approx(lw));
  }
  CHECK(e.loss.item() == Approx(e.neg_elbo_mean()));
  CHECK_THROWS_AS(masked_elbo(lik, x, q, p, mask, ElboObjective::with_free_bits(0.5)), core::ValueError);
  const ElboTerms plain = masked_elbo(lik, x, q, p, Tensor(), ElboObjective::elbo());
  CHECK(plain.loss.item() == elbo(lik, x, q, p, ElboObjective::elbo()).loss.item());
}

TEST_CASE("a VRNN and its baseline take their own likelihood head", "[sequence]") {
  core::Generator gen(4);
  auto mixture = [&] { return nn::make<MixtureHead>(MixtureHeadOptions{.in = 8, .components = 2, .dims = 1}, gen); };
  Vrnn m({.hidden = 8, .latent = 2, .sample_length = 4}, mixture(), gen);
  CHECK(has_parameter(m, "out.logits.weight"));
  Stepper stepper(m, gen, {.lr = 1e-2});
  const nn::Batch batch = sine(4, 10);
  const double first = stepper.step(batch).loss;
  double last = first;
  for (int i = 0; i < 20; ++i) last = stepper.step(batch).loss;
  CHECK(last < first);
  CHECK(m.sample(2, gen).shape() == core::Shape{2, 4, 1});
  CHECK(m.sample_future(sine(3, 5).x, 2, gen).shape() == core::Shape{3, 2, 1});

  RnnLm lm({.likelihood = VrnnLikelihood::Mixture, .hidden = 8}, mixture(), gen);
  CHECK(has_parameter(lm, "out.means.weight"));
  Stepper lm_stepper(lm, gen, {.lr = 1e-2});
  const double lm_first = lm_stepper.step(batch).loss;
  CHECK(std::isfinite(lm_first));

  // Text decodes and generates from a categorical head only.
  Vrnn t({.likelihood = VrnnLikelihood::Categorical, .hidden = 8, .latent = 2},
         nn::make<GaussianLikelihoodHead>(GaussianLikelihoodHeadOptions{.in = 8, .out = 1}, gen), gen);
  CHECK_THROWS_AS(t.generate(1, 3, gen), core::ValueError);
}
