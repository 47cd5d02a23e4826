// The Transformer VAE and its baseline without latent (transformer_vae.hpp, transformer_lm.hpp),
// on tiny shapes: causality, cached generation against the teacher-forced pass, the shared
// objective (free bits), learning, and the sequence methods the apps use.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/models/transformer_lm.hpp"
#include "xgrad/models/transformer_vae.hpp"

using namespace xgrad;
using namespace xgrad::models;
using core::Index;
using nn::Tensor;

namespace {

CausalDecoderOptions tiny(VrnnLikelihood lik, Index context = 8) {
  return {.likelihood = lik, .x_dim = 1, .classes = 16, .d_model = 8, .heads = 2, .layers = 2, .feedforward = 16,
          .dropout = 0.f, .context = context, .components = 2};
}

nn::Batch text_batch(Index B, Index L, std::uint64_t seed) {
  core::Generator g(seed);
  const Tensor u = core::uniform<float>({B, L + 1}, 0.f, 15.99f, g);
  IndexTensor ids({B, L + 1});
  for (Index i = 0; i < ids.numel(); ++i) ids.data()[i] = static_cast<Index>(u.data()[i]);
  return {{}, {}, ids};
}

nn::Batch sine(Index B, Index L) {
  Tensor x({B, L, 1});
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < L; ++t) x.data()[b * L + t] = std::sin(0.5f * float(t) + 0.9f * float(b));
  return {x, {}, {}};
}

/// (B, L) log p(x_t | x_<t, z) of a text batch under the VAE's likelihood for codes z.
Tensor step_log_probs(TransformerVae& m, const nn::Batch& batch, const Tensor& z) {
  autograd::NoGradGuard no_grad;
  return m.likelihood(nn::Var(z), batch)->log_prob(m.target(batch)).value();
}

/// Sum over the 16 bytes k of p(x_t = k | x_<t), each term read (by `log_prob_at`) from a copy
/// of `batch` whose row-0 byte t is k: 1 when the prediction at step t does not see byte t,
/// something else when it does (each term then comes from another distribution).
template <class LogProbAt>
double probability_over_byte_t(const nn::Batch& batch, Index t, LogProbAt log_prob_at) {
  double total = 0;
  for (Index k = 0; k < 16; ++k) {
    nn::Batch b = batch;
    b.labels.data()[1 + t] = k;  // labels[0] is the start; step t scores labels[1 + t]
    total += std::exp(log_prob_at(b));
  }
  return total;
}

}  // namespace

TEST_CASE("the decoder is causal: changing byte t changes only the predictions after it", "[transformer]") {
  core::Generator gen(1);
  TransformerVae m({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 3}, gen);
  const nn::Batch a = text_batch(2, 6, 5);
  nn::Batch b = a;
  b.labels.data()[1 + 3] = (a.labels.data()[1 + 3] + 1) % 16;  // row 0, scored step 3
  const Tensor z = core::normal<float>({2, 3}, 0.f, 1.f, gen);
  const Tensor pa = step_log_probs(m, a, z), pb = step_log_probs(m, b, z);
  for (Index t = 0; t < 3; ++t) CHECK(pa.at({0, t}) == pb.at({0, t}));
  CHECK(pa.at({0, 3}) != pb.at({0, 3}));  // the byte scored there changed
  CHECK(pa.at({0, 4}) != pb.at({0, 4}));  // and the next step reads it
  for (Index t = 0; t < 6; ++t) CHECK(pa.at({1, t}) == pb.at({1, t}));
}

TEST_CASE("the prediction at step t does not see byte t, in transformer-vae and transformer", "[transformer]") {
  core::Generator gen(8);
  const nn::Batch a = text_batch(1, 6, 12);
  TransformerVae vae({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 3}, gen);
  const Tensor z = core::normal<float>({1, 3}, 0.f, 1.f, gen);
  for (const Index t : {0, 3, 5}) {
    INFO("transformer-vae, step " << t);
    CHECK(probability_over_byte_t(a, t, [&](const nn::Batch& b) { return double(step_log_probs(vae, b, z).at({0, t})); }) ==
          Approx(1.0).epsilon(1e-4));
  }
  // The baseline scores whole sequences: at the last step t, log p(x_t | x_<t) is the
  // difference of the sequence's log-likelihood and that of its first t steps.
  TransformerLm lm(tiny(VrnnLikelihood::Categorical), gen);
  const auto log_likelihood = [&](const nn::Batch& b) {
    autograd::NoGradGuard no_grad;
    return -double(lm.nll(b).value().data()[0]);
  };
  const Index last = 5;
  IndexTensor head({1, last + 1});
  for (Index i = 0; i <= last; ++i) head.data()[i] = a.labels.data()[i];
  const double before = log_likelihood({{}, {}, head});
  CHECK(probability_over_byte_t(a, last, [&](const nn::Batch& b) { return log_likelihood(b) - before; }) ==
        Approx(1.0).epsilon(1e-4));
}

TEST_CASE("z reaches the decoder whether added or read as a prefix", "[transformer]") {
  for (const LatentInput how : {LatentInput::Add, LatentInput::Prefix}) {
    core::Generator gen(2);
    TransformerVae m({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 3, .z_input = how}, gen);
    const nn::Batch a = text_batch(1, 5, 7);
    const Tensor z1 = core::normal<float>({1, 3}, 0.f, 1.f, gen), z2 = core::normal<float>({1, 3}, 0.f, 1.f, gen);
    const Tensor p1 = step_log_probs(m, a, z1), p2 = step_log_probs(m, a, z2);
    for (Index t = 0; t < 5; ++t) CHECK(p1.data()[t] != p2.data()[t]);
  }
}

TEST_CASE("cached greedy decoding picks what the teacher-forced pass ranks first", "[transformer]") {
  core::Generator gen(3);
  TransformerVae m({.decoder = tiny(VrnnLikelihood::Categorical, 6), .latent = 3, .z_input = LatentInput::Prefix}, gen);
  const Tensor z = core::normal<float>({2, 3}, 0.f, 1.f, gen);
  const Tensor ids = m.decode(z);  // 6 steps through the key/value cache
  REQUIRE(ids.shape() == core::Shape{2, 6});
  IndexTensor labels({2, 7});
  for (Index b = 0; b < 2; ++b) {
    labels.data()[b * 7] = 0;
    for (Index t = 0; t < 6; ++t) labels.data()[b * 7 + 1 + t] = static_cast<Index>(ids.data()[b * 6 + t]);
  }
  autograd::NoGradGuard no_grad;
  const auto lik = m.likelihood(nn::Var(z), {{}, {}, labels});
  const IndexTensor mode = dynamic_cast<const nn::Categorical<>&>(*lik).mode();
  for (Index i = 0; i < 12; ++i) CHECK(mode.data()[i] == static_cast<Index>(ids.data()[i]));
  // Past the context the decoder slides its window instead of failing.
  CHECK(m.generate(2, 15, gen, {0.8f, 4, 0.9f}).shape() == core::Shape{2, 15});
}

TEST_CASE("the shared objective applies: free bits floor the KL in the loss", "[transformer]") {
  core::Generator gen(4);
  TransformerVae m({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 3}, gen);
  m.set_objective(ElboLoss(KlSchedule::parse("constant:1,free-bits:2")));
  Stepper st(m, gen);
  const StepStats s = st.step(text_batch(4, 6, 9));
  CHECK(s.kl > 0);
  CHECK(s.kl < 3 * 2.0);
  CHECK(s.loss == Approx(s.recon + 3 * 2.0).epsilon(1e-5));  // every dimension below 2 nats counts as 2
}

TEST_CASE("transformer-vae and transformer learn a text and score it", "[transformer]") {
  const nn::Batch batch = text_batch(4, 8, 11);
  core::Generator gen(5);
  TransformerVae vae({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 3}, gen);
  TransformerLm lm(tiny(VrnnLikelihood::Categorical), gen);
  for (GenerativeModel* m : std::initializer_list<GenerativeModel*>{&vae, &lm}) {
    Stepper st(*m, gen, {.lr = 1e-2});
    const double first = st.step(batch).loss;
    double last = first;
    for (int i = 0; i < 30; ++i) last = st.step(batch).loss;
    CHECK(last < first - 5.0);
    const EvalSums e = m->evaluate(batch, gen);
    CHECK(e.neg_elbo == Approx(e.recon + e.kl));
    const Tensor iwae = m->iwae_log_likelihood(batch, 4, gen);
    REQUIRE(iwae.shape() == core::Shape{4});
    CHECK(-iwae.data()[0] > 0);
  }
  CHECK(vae.encode(batch).shape() == core::Shape{4, 3});
  CHECK_THROWS_AS(lm.encode(batch), core::Error);
}

TEST_CASE("series: forecasts, step scores and their errors", "[transformer]") {
  core::Generator gen(6);
  TransformerVae vae({.decoder = tiny(VrnnLikelihood::Gaussian), .latent = 2}, gen);
  TransformerLm lm(tiny(VrnnLikelihood::Gaussian), gen);
  const nn::Batch s = sine(3, 8);
  for (SequenceModel* m : std::initializer_list<SequenceModel*>{&vae, &lm}) {
    CHECK(m->step_scores(s, 2, gen).shape() == core::Shape{3, 8});
    CHECK(m->sample_future(s.x, 12, gen).shape() == core::Shape{3, 12, 1});  // past the context: a sliding window
    CHECK_THROWS_AS(m->sample_future(s.x, 0, gen), core::ValueError);
  }
  CHECK_THROWS_AS(vae.sample_future(Tensor({3, 8, 2}), 2, gen), core::ShapeError);
  TransformerVae text({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 2}, gen);
  CHECK_THROWS_AS(text.step_scores(text_batch(1, 4, 1), 1, gen), core::ValueError);
  CHECK_THROWS_AS(text.evaluate(text_batch(1, 9, 1), gen), core::ValueError);  // longer than the context of 8
}

/// `batch` (one row) lengthened by `extra` padded steps: labels -1 (text) or NaN rows (series).
nn::Batch padded_at_end(const nn::Batch& batch, Index extra) {
  if (batch.labels.defined()) {
    const Index n = batch.labels.size(1);
    IndexTensor ids({1, n + extra});
    for (Index t = 0; t < n + extra; ++t) ids.data()[t] = t < n ? batch.labels.data()[t] : -1;
    return {{}, {}, ids};
  }
  const Index n = batch.x.size(1);
  Tensor x({1, n + extra, 1});
  for (Index t = 0; t < n + extra; ++t) x.data()[t] = t < n ? batch.x.data()[t] : std::nanf("");
  return {x, {}, {}};
}

TEST_CASE("padded steps change nothing: a row padded at its end scores as the row alone", "[transformer]") {
  for (VrnnLikelihood lik : {VrnnLikelihood::Categorical, VrnnLikelihood::Gaussian}) {
    core::Generator gen(12);
    TransformerVae vae({.decoder = tiny(lik), .latent = 3}, gen);
    TransformerLm lm(tiny(lik), gen);
    const nn::Batch alone = lik == VrnnLikelihood::Categorical ? text_batch(1, 5, 13) : sine(1, 5);
    const nn::Batch padded = padded_at_end(alone, 3);
    autograd::NoGradGuard no_grad;
    // The encoder attends to and pools the real steps only.
    const auto qa = vae.posterior(alone), qp = vae.posterior(padded);
    const Tensor za = qa->mean().value(), zp = qp->mean().value();
    for (Index j = 0; j < 3; ++j) CHECK(zp.data()[j] == Approx(za.data()[j]).epsilon(1e-5));
    // The decoder's steps: the real ones as alone, the padded ones 0.
    const Tensor la = vae.likelihood(nn::Var(za), alone)->log_prob(vae.target(alone)).value();
    const Tensor lp = vae.likelihood(nn::Var(za), padded)->log_prob(vae.target(padded)).value();
    REQUIRE(lp.shape() == core::Shape{1, 8});
    for (Index t = 0; t < 8; ++t) {
      const float want = t < 5 ? la.data()[t] : 0.f;
      CHECK(lp.data()[t] == Approx(want).epsilon(1e-5).margin(1e-6));
    }
    core::Generator g1(3), g2(3);
    CHECK(vae.evaluate(padded, g1).neg_elbo == Approx(vae.evaluate(alone, g2).neg_elbo).epsilon(1e-5));
    CHECK(lm.evaluate(padded, gen).neg_elbo == Approx(lm.evaluate(alone, gen).neg_elbo).epsilon(1e-5));
    core::Generator g3(4), g4(4);
    CHECK(vae.iwae_log_likelihood(padded, 3, g3).data()[0] ==
          Approx(vae.iwae_log_likelihood(alone, 3, g4).data()[0]).epsilon(1e-5));
  }
}

TEST_CASE("a padded step inside a row is not attended to; a row of padding alone is an error", "[transformer]") {
  core::Generator gen(14);
  for (bool latent : {false, true}) {
    TransformerLm lm(tiny(VrnnLikelihood::Gaussian), gen);
    TransformerVae vae({.decoder = tiny(VrnnLikelihood::Gaussian), .latent = 2}, gen);
    SequenceModel& m = latent ? static_cast<SequenceModel&>(vae) : lm;
    nn::Batch inside = sine(1, 6), zero = sine(1, 6);
    inside.x.data()[2] = std::nanf("");  // step 2 is padding: its input reads 0, and nothing attends to it
    zero.x.data()[2] = 0.f;              // the same row with a real 0 there
    core::Generator g1(5), g2(5);
    const Tensor a = m.step_scores(inside, 1, g1), b = m.step_scores(zero, 1, g2);
    CHECK(a.data()[2] == 0.f);  // not scored
    if (!latent)  // the steps before it read the same values (the VAE's code differs: pooled without step 2)
      for (Index t = 0; t < 2; ++t) CHECK(a.data()[t] == Approx(b.data()[t]).epsilon(1e-6));
    for (Index t = 3; t < 6; ++t) CHECK(std::abs(a.data()[t] - b.data()[t]) > 1e-4);  // they no longer see step 2
  }
  TransformerLm lm(tiny(VrnnLikelihood::Categorical), gen);
  nn::Batch two = text_batch(2, 4, 16);
  for (Index t = 1; t < 5; ++t) two.labels.data()[5 + t] = -1;  // row 1: its start, then padding
  CHECK_THROWS_WITH(lm.evaluate(two, gen), "transformer: row 1 of the batch is padding only");
  TransformerVae vae({.decoder = tiny(VrnnLikelihood::Categorical), .latent = 2}, gen);
  CHECK_THROWS_WITH(vae.evaluate(two, gen), "transformer-vae: row 1 of the batch is padding only");
}

TEST_CASE("the registry builds both kinds and names a bad z_input", "[transformer]") {
  core::Generator gen(7);
  const auto& r = ModelRegistry::global();
  CHECK(r.make("transformer-vae", {{"hidden", std::int64_t{8}}, {"heads", std::int64_t{2}}}, gen).model->kind() == "transformer-vae");
  CHECK(r.make("transformer", {{"hidden", std::int64_t{8}}}, gen).model->kind() == "transformer");
  CHECK_THROWS_WITH(r.make("transformer-vae", {{"z_input", std::string("memory")}}, gen),
                    Catch::Contains("unknown z_input 'memory'"));
}

TEST_CASE("a transformer-vae step gives the same loss to the last bit with 1 and 2 threads", "[transformer][threads]") {
  // The benchmark's layer sizes at batch 8: its products, attention entries and layer-norm
  // rows are split into parallel blocks, which must not change a bit.
  auto losses = [](int threads) {
    core::set_num_threads(threads);
    core::Generator gen(3);
    TransformerVae m({.decoder = {.likelihood = VrnnLikelihood::Categorical, .classes = 256, .d_model = 128, .heads = 4,
                                  .layers = 2, .feedforward = 512, .dropout = 0.f, .context = 64},
                      .latent = 16},
                     gen);
    const nn::Batch batch = text_batch(8, 64, 4);
    Stepper stepper(m, gen);
    std::vector<double> out;
    for (int i = 0; i < 3; ++i) out.push_back(stepper.step(batch).loss);
    core::set_num_threads(0);
    return out;
  };
  const std::vector<double> one = losses(1), two = losses(2);
  for (std::size_t i = 0; i < one.size(); ++i) {
    INFO("step " << i);
    CHECK(one[i] == two[i]);
    CHECK(std::isfinite(one[i]));
  }
}
