// Latents of any family and number: a Gaussian posterior against a mixture prior
// (no closed-form KL: the Monte-Carlo estimate), a model with two latent groups
// (ELBO, KL per dimension, free bits and the IWAE bound over both), and the IWAE
// bound as the training objective.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "models_util.hpp"
#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/iwae.hpp"
#include "xgrad/models/common/kl_schedule.hpp"
#include "xgrad/models/common/latent.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/mlp.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

/// A VAE whose prior is a learned mixture of Gaussians (a VampPrior-like prior):
/// KL(q || p) has no closed form.
class MixturePriorVae : public Vae {
 public:
  MixturePriorVae(const VaeOptions& o, core::Generator& gen) : Vae(o, gen) {
    means_ = register_parameter("prior_means", core::normal<float>({4, o.latent}, 0.f, 1.f, gen));
  }
  DistributionPtr prior(Index n) override {
    (void)n;
    return make_dist(nn::MixtureOfGaussians<>(Var(Tensor::zeros({4})), means_, Var(Tensor::zeros({4, options.latent}))));
  }

 private:
  Var means_;
};

/// Two latent groups, top-down: z2 ~ N(0, I), z1 | z2 from a small net; q(z1 | x), q(z2 | x, z1).
class TwoGroups : public LatentVariableModel {
 public:
  explicit TwoGroups(core::Generator& gen) {
    enc = register_module("enc", nn::make<nn::MLP>(nn::MLPOptions{.sizes = {16, 24}, .activate_last = true}, gen));
    q1 = register_module("q1", nn::make<GaussianHead>(GaussianHeadOptions{.in = 24, .out = 3}, gen));
    q2 = register_module("q2", nn::make<GaussianHead>(GaussianHeadOptions{.in = 3, .out = 2}, gen));
    p1 = register_module("p1", nn::make<GaussianHead>(GaussianHeadOptions{.in = 2, .out = 3}, gen));
    dec = register_module("dec", nn::make<nn::MLP>(nn::MLPOptions{.sizes = {3, 24, 16}}, gen));
    out = register_module("out", nn::make<BernoulliHead>(BernoulliHeadOptions{}, gen));
  }
  std::string kind() const override { return "two-groups"; }
  Index latent_dim() const override { return 3; }
  DistributionPtr posterior(const Batch& b) override { return make_dist(q1->forward(enc->forward(Var(b.x)))); }
  Latents latents(const Batch& b, core::Generator& gen) override {
    LatentGroup g1 = draw_latent("z1", posterior(b), nullptr, gen);
    LatentGroup g2 = draw_latent("z2", make_dist(q2->forward(g1.z)),
                                 make_dist(nn::Normal<>::standard(core::Shape{b.size(), 2})), gen);
    g1.p = make_dist(p1->forward(g2.z));  // p(z1 | z2)
    return {std::move(g2), std::move(g1)};  // top-down; the likelihood reads the last (z1)
  }
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch&) override {
    return out->distribution(dec->forward(z));
  }
  std::shared_ptr<nn::MLP> enc, dec;
  std::shared_ptr<GaussianHead> q1, q2, p1;
  std::shared_ptr<BernoulliHead> out;
};

nn::Batch binary_rows(Index n, std::uint64_t seed) {
  core::Generator gen(seed);
  Tensor x({n, 16});
  for (Index i = 0; i < x.numel(); ++i) x.data()[i] = (gen.next_u64() % 3 == 0) ? 1.f : 0.f;
  return {.x = x, .y = {}, .labels = {}};
}

}  // namespace

TEST_CASE("a KL without a closed form is the Monte-Carlo estimate log q(z) - log p(z) at the draw", "[latents]") {
  core::Generator gen(1);
  MixturePriorVae model(VaeOptions{.input = 16, .hidden = {24}, .latent = 2}, gen);
  const nn::Batch b = binary_rows(8, 2);
  core::Generator g(3);
  const Latents l = model.latents(b, g);
  REQUIRE(l.size() == 1);
  CHECK_FALSE(nn::has_closed_form_kl(*l[0].q, *l[0].p));
  const Var kl = l[0].kl_per_dim();
  REQUIRE(kl.shape() == core::Shape{8, 1});
  const Tensor lq = nn::sum_event(l[0].q->log_prob(l[0].z), 1).value(), lp = l[0].p->log_prob(l[0].z).value();
  for (Index i = 0; i < 8; ++i) CHECK(kl.value().data()[i] == Approx(lq.data()[i] - lp.data()[i]).epsilon(1e-5));
  // It trains, the prior's means included.
  const Tensor before = model.named_parameters().back().second.value();
  const auto losses = testing::train(model, binary_rows(64, 4), 16, 10, gen, {.lr = 1e-2});
  CHECK(std::isfinite(losses.back()));
  CHECK(testing::tail_mean(losses, 4) < testing::head_mean(losses, 4));
  CHECK_FALSE(core::equal(before, model.named_parameters().back().second.value()));
  CHECK(std::isfinite(model.iwae_log_likelihood(b, 4, gen).data()[0]));
}

TEST_CASE("a mixture has no reparameterised draw and says so", "[latents]") {
  const nn::MixtureOfGaussians<> m(Var(Tensor::zeros({2})), Var(Tensor::zeros({2, 3})), Var(Tensor::zeros({2, 3})));
  core::Generator gen(1);
  CHECK_THROWS_WITH(m.rsample(gen), Catch::Contains("MixtureOfGaussians has no reparameterised sample"));
}

TEST_CASE("with two latent groups the ELBO, KL per dimension and free bits cover both", "[latents]") {
  core::Generator gen(5);
  TwoGroups model(gen);
  const nn::Batch b = binary_rows(32, 6);
  core::Generator g(7);
  const ElboTerms t = model.terms(b, g);
  REQUIRE(t.kl_per_group.size() == 2);
  CHECK(t.kl_per_group[0].first == "z2");
  CHECK(t.kl_per_group[1].first == "z1");
  CHECK(t.kl_per_dim.shape() == core::Shape{32, 5});  // 2 + 3 dimensions side by side
  for (Index i = 0; i < 32; ++i)
    CHECK(t.kl.value().data()[i] ==
          Approx(t.kl_per_group[0].second.value().data()[i] + t.kl_per_group[1].second.value().data()[i]).epsilon(1e-5));
  // Free bits floor every dimension of every group: a floor above every dimension's KL
  // makes the KL part of the loss exactly 5 * lambda.
  model.set_objective(ElboObjective::with_free_bits(50.0));
  core::Generator g2(7);
  const ElboTerms f = model.terms(b, g2);
  CHECK(f.loss.item() == Approx(-autograd::mean(f.recon_log_lik).item() + 5 * 50.0).epsilon(1e-5));
  // KL per dimension over a data set measures all five.
  auto data = std::make_shared<nn::TensorDataset>(b.x);
  CHECK(kl_per_dimension(model, *data, 16).numel() == 5);
}

TEST_CASE("group free bits floor each latent group's batch-mean KL, not each dimension's", "[latents]") {
  core::Generator gen(5);
  TwoGroups model(gen);
  const nn::Batch b = binary_rows(32, 6);
  const auto terms_with = [&](const ElboObjective& o) {
    model.set_objective(o);
    core::Generator g(7);
    return model.terms(b, g);
  };
  const ElboTerms plain = terms_with(ElboObjective::elbo());
  const double nll = -autograd::mean(plain.recon_log_lik).item();
  const double kl2 = autograd::mean(plain.kl_per_group[0].second).item();
  const double kl1 = autograd::mean(plain.kl_per_group[1].second).item();
  // A floor between the two groups' KLs lifts the smaller group only.
  const double lambda = 0.5 * (kl1 + kl2);
  const ElboTerms f = terms_with(ElboObjective::with_group_free_bits(lambda));
  CHECK(f.loss.item() == Approx(nll + std::max(lambda, kl2) + std::max(lambda, kl1)).epsilon(1e-5));
  CHECK(f.loss.item() > plain.loss.item());
  // With floor 0 it is the ELBO; the schedule spec reaches it.
  CHECK(terms_with(ElboObjective::with_group_free_bits(0.0)).loss.item() == Approx(plain.loss.item()).epsilon(1e-6));
  const auto s = KlSchedule::parse("linear:10,group-free-bits:2");
  CHECK(s.objective(5).kind == ElboObjective::Kind::GroupFreeBits);
  CHECK(s.objective(5).kl_weight == Approx(0.5));
  CHECK(KlSchedule::parse(s.spec()).spec() == s.spec());
}

TEST_CASE("the IWAE bound over two groups tightens with k and trains the model", "[latents]") {
  core::Generator gen(8);
  TwoGroups model(gen);
  const auto losses = testing::train(model, binary_rows(64, 9), 16, 10, gen, {.lr = 1e-2});
  CHECK(testing::tail_mean(losses, 4) < testing::head_mean(losses, 4));
  const nn::Batch b = binary_rows(64, 10);
  double k1 = 0, k20 = 0;
  core::Generator g(11);
  for (float v : model.iwae_log_likelihood(b, 1, g)) k1 += v;
  for (float v : model.iwae_log_likelihood(b, 20, g)) k20 += v;
  CHECK(k20 > k1);  // a tighter bound (64 rows; the gap is several nats per row)
}

TEST_CASE("IwaeLoss trains on the importance-weighted bound: k = 1 is the ELBO, larger k a tighter bound",
          "[latents]") {
  core::Generator g1(12), g2(12);
  Vae elbo_model(VaeOptions{.input = 16, .hidden = {24}, .latent = 2}, g1);
  Vae iwae_model(VaeOptions{.input = 16, .hidden = {24}, .latent = 2}, g2);
  iwae_model.set_objective(IwaeLoss{1});
  const nn::Batch b = binary_rows(32, 13);
  // k = 1: the ELBO with the one-draw estimate log p(z) - log q(z) of the KL.
  core::Generator d1(14), d2(14);
  const Latents l = elbo_model.latents(b, d1);
  const Var one_draw = sum_except_batch(elbo_model.likelihood_of(l, b)->log_prob(Var(b.x))) + latent_log_weight(l);
  CHECK(iwae_terms(iwae_model, b, 1, d2).loss.item() == Approx(-autograd::mean(one_draw).item()).epsilon(1e-5));
  // It is what train_step minimises.
  core::Generator d5(14), d6(14);
  Stepper s2(iwae_model, d5);
  CHECK(s2.step(b).loss == Approx(iwae_terms(elbo_model, b, 1, d6).loss.item()).epsilon(1e-5));
  iwae_model.set_objective(IwaeLoss{16});
  core::Generator d3(15);
  const double bound_loss = iwae_terms(iwae_model, b, 16, d3).loss.item();
  core::Generator d4(15);
  const double elbo_loss = iwae_model.terms(b, d4).loss.item();
  CHECK(bound_loss < elbo_loss);  // -IWAE_16 <= -ELBO on a batch of 32
  CHECK_THROWS_WITH(iwae_model.set_objective(IwaeLoss{0}), Catch::Contains("k must be >= 1"));
  const auto losses = testing::train(iwae_model, binary_rows(64, 16), 16, 8, d3, {.lr = 1e-2});
  CHECK(testing::tail_mean(losses, 4) < testing::head_mean(losses, 4));
}
