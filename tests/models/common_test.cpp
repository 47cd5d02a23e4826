// models/common: ELBO terms, heads, schedules, IWAE, latent tools.
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "models_util.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/models/common/common.hpp"
#include "xgrad/models/vae.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

Var leaf(core::Shape s, std::vector<float> v, bool grad = false) { return Var(nn::Tensor(s, v), grad); }

double log_sigmoid(double l) { return -std::log1p(std::exp(-l)); }

}  // namespace

TEST_CASE("elbo terms match a hand computation", "[common]") {
  const Var logits = leaf({2, 3}, {0.5f, -1.f, 2.f, 0.f, 1.5f, -0.3f});
  const Var x = leaf({2, 3}, {1.f, 0.f, 0.25f, 1.f, 1.f, 0.f});
  const Var mu = leaf({2, 2}, {0.3f, -0.7f, 1.1f, 0.f});
  const Var lv = leaf({2, 2}, {-0.5f, 0.2f, 0.f, -1.f});
  const double w = 0.4;
  const ElboTerms t = elbo(nn::Bernoulli<>(logits), x, nn::Normal<>(mu, lv), nn::Normal<>::standard({2, 2}), w);
  double loss = 0;
  for (int b = 0; b < 2; ++b) {
    double rec = 0, kl = 0;
    for (int j = 0; j < 3; ++j) {
      const double l = logits.value().data()[b * 3 + j], t0 = x.value().data()[b * 3 + j];
      rec += t0 * log_sigmoid(l) + (1 - t0) * log_sigmoid(-l);
    }
    for (int j = 0; j < 2; ++j) {
      const double m = mu.value().data()[b * 2 + j], v = lv.value().data()[b * 2 + j];
      kl += 0.5 * (m * m + std::exp(v) - 1 - v);
    }
    CHECK(t.recon_log_lik.value().data()[b] == Approx(rec).epsilon(1e-5));
    CHECK(t.kl.value().data()[b] == Approx(kl).epsilon(1e-5));
    loss += -(rec - w * kl) / 2;
  }
  CHECK(t.loss.item() == Approx(loss).epsilon(1e-5));
  CHECK(t.neg_elbo_sum() == Approx(t.recon_sum() + t.kl_sum()));
  CHECK(t.eval_sums().count == 2);
}

TEST_CASE("the KL of identical Gaussians is zero", "[common]") {
  const Var mu = leaf({3, 2}, {0.3f, -0.7f, 1.1f, 0.f, 5.f, -2.f});
  const Var lv = leaf({3, 2}, {-0.5f, 0.2f, 0.f, -1.f, 3.f, -4.f});
  const nn::Normal<> q(mu, lv);
  const ElboTerms t = elbo(nn::Bernoulli<>(leaf({3, 1}, {0, 0, 0})), leaf({3, 1}, {1, 0, 1}), q, q);
  for (float v : t.kl.value()) CHECK(v == Approx(0).margin(1e-6));
}

TEST_CASE("a Gaussian head's reparameterised samples have its mean and variance", "[common]") {
  core::Generator gen(3);
  GaussianHead head(GaussianHeadOptions{.in = 4, .out = 3}, gen);
  const Index n = 40000;
  const Var features(nn::Tensor::full({n, 4}, 0.5f));
  const nn::Normal<> q = head(features);
  const nn::Tensor z = q.rsample(gen).value();
  for (Index j = 0; j < 3; ++j) {
    double s1 = 0, s2 = 0;
    for (Index i = 0; i < n; ++i) s1 += z.data()[i * 3 + j], s2 += double(z.data()[i * 3 + j]) * z.data()[i * 3 + j];
    const double m = s1 / n, var = s2 / n - m * m;
    const double want_m = q.mean().value().data()[j], want_var = q.variance().value().data()[j];
    CHECK(m == Approx(want_m).margin(4 * std::sqrt(want_var / n)));
    CHECK(var == Approx(want_var).epsilon(0.03));
  }
}

TEST_CASE("a Gaussian head keeps the log-variance in its bounds", "[common]") {
  core::Generator gen(1);
  GaussianHead head(GaussianHeadOptions{.in = 2, .out = 2}, gen);
  head.logvar->bias.value_mut().fill_(50.f);
  const auto q = head(Var(nn::Tensor::zeros({1, 2})));
  for (float v : q.logvar().value()) CHECK(v == 10.f);
  CHECK(std::isfinite(q.variance().value().data()[0]));
}

TEST_CASE("likelihood heads give distributions of the right shapes", "[common]") {
  core::Generator gen(2);
  const Var h(core::normal<float>({5, 8}, 0.f, 1.f, gen));
  CHECK(BernoulliHead(BernoulliHeadOptions{.in = 8, .out = 6}, gen)(h).batch_shape() == core::Shape{5, 6});
  CHECK(BernoulliHead(BernoulliHeadOptions{}, gen)(h).batch_shape() == core::Shape{5, 8});
  GaussianLikelihoodHead fixed(GaussianLikelihoodHeadOptions{.in = 8, .out = 6, .variance = VarianceMode::Fixed}, gen);
  GaussianLikelihoodHead per_dim(GaussianLikelihoodHeadOptions{.in = 8, .out = 6}, gen);
  GaussianLikelihoodHead predicted(
      GaussianLikelihoodHeadOptions{.in = 8, .out = 6, .variance = VarianceMode::Predicted}, gen);
  CHECK(fixed.parameter_count() == 8 * 6 + 6);
  CHECK(per_dim.parameter_count() == 8 * 6 + 6 + 6);
  CHECK(predicted.parameter_count() == 2 * (8 * 6 + 6));
  CHECK(predicted(h).log_prob(Var(nn::Tensor::zeros({5, 6}))).shape() == core::Shape{5, 6});
  const auto cat = CategoricalHead(CategoricalHeadOptions{.in = 8, .classes = 4}, gen)(h);
  CHECK(cat.batch_shape() == core::Shape{5});
  const auto mix = MixtureHead(MixtureHeadOptions{.in = 8, .components = 3, .dims = 2}, gen)(h);
  CHECK(mix.num_components() == 3);
  CHECK(mix.log_prob(Var(nn::Tensor::zeros({5, 2}))).shape() == core::Shape{5});
}

TEST_CASE("free bits floor each dimension's batch-mean KL and stop its gradient", "[common]") {
  const Var mu = leaf({2, 2}, {0.1f, 2.f, -0.1f, 2.f}, true);
  const Var lv = leaf({2, 2}, {0.f, 0.f, 0.f, 0.f});
  const Var logits = leaf({2, 1}, {0.f, 0.f});
  const Var x = leaf({2, 1}, {1.f, 0.f});
  const ElboTerms t = elbo_free_bits(nn::Bernoulli<>(logits), x, nn::Normal<>(mu, lv), nn::Normal<>::standard({2, 2}), 0.5);
  // dimension 0: KL 0.005 per example -> floored at 0.5; dimension 1: KL 2 -> kept.
  CHECK(t.loss.item() == Approx(std::log(2.0) + 0.5 + 2.0).epsilon(1e-5));
  t.loss.backward();
  CHECK(mu.grad().data()[0] == 0.f);
  CHECK(mu.grad().data()[1] == Approx(2.0 / 2));  // d/dmu mean_b 0.5 mu^2 = mu / B
}

TEST_CASE("the capacity objective penalises the distance of the KL from C", "[common]") {
  const Var mu = leaf({1, 2}, {1.f, 1.f});
  const Var lv = leaf({1, 2}, {0.f, 0.f});
  const auto lik = nn::Bernoulli<>(leaf({1, 1}, {0.f}));
  const ElboTerms t = elbo_capacity(lik, leaf({1, 1}, {1.f}), nn::Normal<>(mu, lv), nn::Normal<>::standard({1, 2}), 10, 3);
  CHECK(t.kl.item() == Approx(1.0));
  CHECK(t.loss.item() == Approx(std::log(2.0) + 10 * 2.0).epsilon(1e-5));
}

TEST_CASE("KL schedules give the documented weights", "[common]") {
  CHECK(KlSchedule::parse("constant:0.3").weight(12345) == Approx(0.3));
  const auto lin = KlSchedule::parse("linear:100");
  CHECK(lin.weight(0) == 0);
  CHECK(lin.weight(25) == Approx(0.25));
  CHECK(lin.weight(1000) == 1);
  // Fu et al.: 4 cycles over 400 steps, rising over the first half of each cycle.
  const auto cyc = KlSchedule::parse("cyclical:4:0.5:400");
  CHECK(cyc.weight(0) == 0);
  CHECK(cyc.weight(25) == Approx(0.5));
  CHECK(cyc.weight(50) == 1);
  CHECK(cyc.weight(99) == 1);
  CHECK(cyc.weight(100) == 0);
  CHECK(cyc.weight(125) == Approx(0.5));
  const auto cap = KlSchedule::parse("capacity:25:100:1000");
  CHECK(cap.capacity(50) == Approx(12.5));
  CHECK(cap.capacity(500) == 25);
  CHECK(cap.objective(50).kind == ElboObjective::Kind::Capacity);
  CHECK(cap.objective(50).gamma == 1000);
  const auto fb = KlSchedule::parse("linear:10,free-bits:0.25");
  CHECK(fb.objective(5).kind == ElboObjective::Kind::FreeBits);
  CHECK(fb.objective(5).free_bits == 0.25);
  CHECK(fb.objective(5).kl_weight == Approx(0.5));
  for (const char* s : {"constant:0.5", "linear:10:2", "cyclical:4:0.5:400:1", "capacity:25:100:1000", "linear:3:1,free-bits:0.5"})
    CHECK(KlSchedule::parse(KlSchedule::parse(s).spec()).spec() == KlSchedule::parse(s).spec());
}

TEST_CASE("a KL schedule counts its own steps for checkpoints", "[common]") {
  auto s = KlSchedule::parse("linear:4");
  s.advance(), s.advance();
  CHECK(s.step() == 2);
  CHECK(s.weight() == Approx(0.5));
  auto t = KlSchedule::parse(s.spec());
  t.set_step(s.step());
  CHECK(t.weight() == s.weight());
}

TEST_CASE("malformed KL schedule specs are refused with the reason", "[common]") {
  CHECK_THROWS_WITH(KlSchedule::parse("linear"), Catch::Contains("linear takes 1 to 2 arguments"));
  CHECK_THROWS_WITH(KlSchedule::parse("linear:abc"), Catch::Contains("\"abc\" is not a number"));
  CHECK_THROWS_WITH(KlSchedule::parse("sigmoid:10"), Catch::Contains("unknown schedule \"sigmoid\""));
  CHECK_THROWS_WITH(KlSchedule::parse("cyclical:4:1.5:400"), Catch::Contains("proportion R must be in (0, 1]"));
  CHECK_THROWS_WITH(KlSchedule::parse("constant:1,free:2"), Catch::Contains("unknown modifier"));
  CHECK_THROWS_AS(KlSchedule::parse("linear:0"), core::ValueError);
}

namespace {

// A tiny VAE on 16 random binary pixels, trained a little so q is not the prior.
struct Tiny {
  core::Generator gen{5};
  Vae model{VaeOptions{.input = 16, .hidden = {8}, .latent = 2}, gen};
  nn::Batch data{.x = core::bernoulli<float>({32, 16}, 0.3f, gen), .y = {}, .labels = {}};
  explicit Tiny(int train_steps = 50) {
    Stepper stepper(model, gen, {.lr = 1e-2});
    for (int i = 0; i < train_steps; ++i) stepper.step(data);
  }
  double mean_iwae(int k, int reps) {
    double s = 0;
    for (int r = 0; r < reps; ++r) {
      const nn::Tensor ll = model.iwae_log_likelihood(data, k, gen);
      s += std::accumulate(ll.begin(), ll.end(), 0.0) / ll.numel();
    }
    return s / reps;
  }
};

}  // namespace

TEST_CASE("the IWAE bound is above the ELBO and rises with k", "[common]") {
  // Untrained, q is far from the posterior, so more samples gain more than the estimates'
  // noise: elbo < k5 < k50 held for all of 200 seeds (the smallest k50 - k5 was 0.007 nats,
  // against 0.05 typically); after training the gains shrink below the noise for ~8% of seeds.
  Tiny t(0);
  double elbo = 0;
  for (int r = 0; r < 200; ++r) elbo -= t.model.evaluate(t.data, t.gen).neg_elbo / 32;
  elbo /= 200;
  const double k5 = t.mean_iwae(5, 100), k50 = t.mean_iwae(50, 40);
  CHECK(k5 > elbo);
  CHECK(k50 > k5);
}

TEST_CASE("the IWAE bound with k = 1 is the ELBO in expectation", "[common]") {
  Tiny t;
  double elbo = 0;
  const int reps = 400;
  for (int r = 0; r < reps; ++r) elbo -= t.model.evaluate(t.data, t.gen).neg_elbo / 32;
  elbo /= reps;
  const double k1 = t.mean_iwae(1, reps);
  CHECK(k1 == Approx(elbo).epsilon(0.005));
}

TEST_CASE("interpolation runs from one input's reconstruction to the other's", "[common]") {
  Tiny t;
  const nn::Batch a = testing::rows(t.data, 0, 2), b = testing::rows(t.data, 2, 2);
  const nn::Tensor path = interpolate(t.model, a, b, 5);
  REQUIRE(path.shape() == core::Shape{10, 16});
  const nn::Tensor ra = t.model.reconstruct(a), rb = t.model.reconstruct(b);
  for (Index j = 0; j < 16; ++j) {
    CHECK(path.at({0, j}) == Approx(ra.at({0, j})).margin(1e-6));
    CHECK(path.at({4, j}) == Approx(rb.at({0, j})).margin(1e-6));
    CHECK(path.at({9, j}) == Approx(rb.at({1, j})).margin(1e-6));
  }
}

TEST_CASE("a traversal changes one latent dimension over the range", "[common]") {
  Tiny t;
  const nn::Batch base = testing::rows(t.data, 0, 1);
  const nn::Tensor out = traverse(t.model, base, 1, 3.0, 7);
  REQUIRE(out.shape() == core::Shape{7, 16});
  // Image s decodes the input's code with dimension 1 set to -3 + s (and dimension 0 kept).
  const nn::Tensor z0 = t.model.encode(base);
  for (int s = 0; s < 7; ++s) {
    const nn::Tensor want = t.model.decode(nn::Tensor(core::Shape{1, 2}, {z0.data()[0], -3.f + static_cast<float>(s)}));
    for (Index j = 0; j < 16; ++j) CHECK(out.at({s, j}) == Approx(want.at({0, j})).margin(1e-6));
  }
  // ...so the images differ along the row: the ends are not the same picture.
  double change = 0;
  for (Index j = 0; j < 16; ++j) change += std::abs(out.at({0, j}) - out.at({6, j}));
  CHECK(change > 0.05);
  CHECK_THROWS_AS(traverse(t.model, base, 2, 3.0, 7), core::ValueError);
}

TEST_CASE("per-dimension KL and active units agree with the posterior", "[common]") {
  Tiny t;
  const nn::TensorDataset ds(t.data.x);
  const nn::Tensor kl = kl_per_dimension(t.model, ds, 10);
  REQUIRE(kl.shape() == core::Shape{2});
  const double total = kl.data()[0] + kl.data()[1];
  t.model.set_objective(ElboObjective::elbo());
  autograd::NoGradGuard g;
  const auto q = t.model.posterior(t.data);
  const double want = autograd::sum(nn::kl_divergence(*q, *t.model.prior(32))).item() / 32;
  CHECK(total == Approx(want).epsilon(1e-4));
  const ActiveUnits au = active_units(t.model, ds, 10, 0.0);
  CHECK(au.count == 2);
  CHECK(active_units(t.model, ds, 10, 1e9).count == 0);
}
