// The VAE family on a few hundred Fashion-MNIST images: each trains, and the
// properties its paper promises hold on a short run.
#include <catch2/catch.hpp>

#include <map>

#include <cmath>

#include "models_util.hpp"
#include "xgrad/models/beta_vae.hpp"
#include "xgrad/models/common/latent.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/nn/distributions/kl.hpp"

using namespace xgrad;
using namespace xgrad::models;
using namespace xgrad::models::testing;

TEST_CASE("the MLP VAE's loss falls on Fashion-MNIST", "[vae]") {
  core::Generator gen(1);
  Vae vae(VaeOptions{}, gen);
  CHECK(vae.kind() == "vae");
  CHECK(vae.parameter_count() == (784 * 400 + 400) + 2 * (400 * 20 + 20) + (20 * 400 + 400) + (400 * 784 + 784));
  const auto losses = train(vae, fashion(512), 64, 4, gen);
  CHECK(head_mean(losses, 4) > 450);  // ~ 784 log 2 at the start
  CHECK(tail_mean(losses, 8) < 0.7 * head_mean(losses, 4));
}

TEST_CASE("the convolutional VAE's loss falls on Fashion-MNIST", "[vae]") {
  core::Generator gen(2);
  Vae vae(VaeOptions{.arch = VaeOptions::Arch::Conv, .hidden = {128}, .latent = 8}, gen);
  CHECK(vae.kind() == "conv-vae");
  const auto losses = train(vae, fashion(256), 32, 4, gen);
  CHECK(tail_mean(losses, 4) < 0.8 * head_mean(losses, 4));
  const nn::Tensor x = vae.reconstruct(rows(fashion(4), 0, 4));
  CHECK(x.shape() == core::Shape{4, 784});
}

TEST_CASE("the VAE accepts images as (B, 1, 28, 28)", "[vae]") {
  for (const auto arch : {VaeOptions::Arch::Conv, VaeOptions::Arch::Mlp}) {
    core::Generator gen(3);
    Vae vae(VaeOptions{.arch = arch, .hidden = {16}, .latent = 4}, gen);
    const nn::Batch flat = rows(fashion(8), 0, 8);
    nn::Batch b = flat;
    b.x = flat.x.reshape({8, 1, 28, 28});
    // The same images, whatever their layout: the same codes and, with the same draws, the same terms.
    CHECK(core::equal(vae.encode(b), vae.encode(flat)));
    core::Generator g1(9), g2(9);
    const EvalSums s = vae.evaluate(b, g1), want = vae.evaluate(flat, g2);
    CHECK(s.count == 8);
    CHECK(s.recon == want.recon);
    CHECK(s.kl == want.kl);
    CHECK(s.neg_elbo == Approx(s.recon + s.kl));
    // ...and a blank batch of that layout is not the same: the pixels reached the encoder.
    nn::Batch blank = b;
    blank.x = nn::Tensor::zeros({8, 1, 28, 28});
    CHECK_FALSE(core::equal(vae.encode(blank), vae.encode(flat)));
  }
}

TEST_CASE("the CVAE's loss falls and it samples the labels asked for", "[cvae]") {
  core::Generator gen(4);
  Cvae cvae(CvaeOptions{}, gen);
  const auto losses = train(cvae, fashion(512), 64, 4, gen);
  CHECK(tail_mean(losses, 8) < 0.7 * head_mean(losses, 4));
  const core::IndexTensor labels(core::Shape{6}, {0, 1, 2, 7, 8, 9});
  const nn::Tensor x = cvae.sample(6, gen, labels);
  CHECK(x.shape() == core::Shape{6, 784});
  for (float v : x) REQUIRE((v >= 0.f && v <= 1.f));
  // Trousers (1) and bags (8) differ: the label reaches the decoder.
  const nn::Tensor z = nn::Tensor::zeros({2, 20});
  const nn::Tensor two = cvae.decode(z, core::IndexTensor(core::Shape{2}, {1, 8}));
  double diff = 0;
  for (Index j = 0; j < 784; ++j) diff += std::abs(two.at({0, j}) - two.at({1, j}));
  CHECK(diff > 10);
  CHECK_THROWS_AS(cvae.sample(3, gen), core::Error);
}

TEST_CASE("the CVAE refuses a batch without labels, or with a label out of range, naming it", "[cvae]") {
  core::Generator gen(5);
  Cvae cvae(CvaeOptions{.hidden = {8}, .latent = 2}, gen);
  nn::Batch b = rows(fashion(2), 0, 2);
  b.labels = core::IndexTensor();
  CHECK_THROWS_WITH(cvae.posterior(b), "cvae: the batch has no labels to condition on");
  b.labels = core::IndexTensor(core::Shape{2}, {0, 10});
  CHECK_THROWS_WITH(cvae.posterior(b), "linear_one_hot: label 10 at row 1 is out of range for 10 classes");
}

TEST_CASE("the CVAE keeps a Linear over x and the one-hot labels as its first layers, so earlier checkpoints load", "[cvae]") {
  core::Generator gen(5);
  Cvae cvae(CvaeOptions{.hidden = {8}, .latent = 2}, gen);
  std::map<std::string, core::Shape> shapes;
  for (const auto& [name, p] : cvae.named_parameters()) shapes[name] = p.shape();
  CHECK(shapes.at("encoder.0.weight") == core::Shape{8, 784 + 10});
  CHECK(shapes.at("encoder.0.bias") == core::Shape{8});
  CHECK(shapes.at("decoder.0.weight") == core::Shape{8, 2 + 10});
  CHECK(shapes.at("decoder.2.weight") == core::Shape{784, 8});
}

TEST_CASE("the CVAE's learned prior p(z | y) is one Gaussian per class, used by the ELBO and by sampling", "[cvae]") {
  core::Generator gen(5);
  Cvae cvae(CvaeOptions{.hidden = {32}, .latent = 4}, gen);
  REQUIRE(cvae.prior_net != nullptr);
  const nn::Batch data = fashion(64);
  // Rows with the same label share a prior; different labels get different ones.
  const models::DistributionPtr prior = cvae.prior_for(data, data.size());
  const auto& p = dynamic_cast<const nn::Normal<>&>(*prior);
  CHECK(p.loc().shape() == core::Shape{64, 4});
  const Index a = 0;
  Index b = -1, c = -1;
  for (Index i = 1; i < 64; ++i) {
    const bool same = data.labels.data()[i] == data.labels.data()[a];
    if (same && b < 0) b = i;
    if (!same && c < 0) c = i;
  }
  REQUIRE((b >= 0 && c >= 0));
  for (Index j = 0; j < 4; ++j) {
    CHECK(p.loc().value().at({a, j}) == p.loc().value().at({b, j}));
    CHECK(p.logvar().value().at({a, j}) == p.logvar().value().at({b, j}));
  }
  CHECK_FALSE(p.loc().value().at({a, 0}) == p.loc().value().at({c, 0}));
  // The KL the ELBO reports is the one against p(z | y).
  core::Generator g1(3);
  const double want = autograd::sum(nn::kl_divergence(*cvae.posterior(data), p)).item();
  CHECK(cvae.evaluate(data, g1).kl == Approx(want).epsilon(1e-5));
  // Training moves the prior's parameters (they are in the optimizer).
  const nn::Tensor before = cvae.prior_net->parameters()[0].value();
  Stepper(cvae, gen).step(data);
  CHECK_FALSE(core::equal(before, cvae.prior_net->parameters()[0].value()));
  // Labels are required for it; the N(0, I) variant has no prior network.
  CHECK_THROWS_AS(cvae.prior_for(nn::Batch{}, 3), core::Error);
  // Sampling draws z from p(z | y), not from N(0, I): the same draws, decoded.
  const core::IndexTensor labels(core::Shape{4}, {0, 3, 3, 9});
  core::Generator s1(21), s2(21);
  const nn::Tensor drawn = cvae.sample(4, s1, labels);
  const nn::Tensor z = cvae.prior_for(nn::Batch{.x = {}, .y = {}, .labels = labels}, 4)->sample(s2);
  CHECK(core::equal(drawn, cvae.decode(z, labels)));
  core::Generator s3(21);
  CHECK_FALSE(core::equal(drawn, cvae.decode(cvae.prior(4)->sample(s3), labels)));
  core::Generator g2(5);
  Cvae plain(CvaeOptions{.hidden = {32}, .latent = 4, .learned_prior = false}, g2);
  CHECK(plain.prior_net == nullptr);
  CHECK(plain.prior_for(nn::Batch{}, 3)->sample(g2).shape() == core::Shape{3, 4});
}

TEST_CASE("beta-VAE with beta 4 keeps less KL and fewer active units than the VAE", "[betavae]") {
  // A short run (16 steps): the beta-VAE's KL pressure keeps some units unused while
  // the VAE's are all recruited. (Over 40 epochs of these 2048 images: 13 vs 20 units.)
  const nn::Batch data = fashion(2048);
  const nn::TensorDataset ds(data.x);
  core::Generator g1(7), g2(7);
  Vae vae(VaeOptions{.hidden = {200}}, g1);
  BetaVae beta(BetaVaeOptions{.vae = {.hidden = {200}}, .beta = 4}, g2);
  CHECK(beta.kind() == "beta-vae");
  CHECK(beta.objective().at(0).kl_weight == 4);
  train(vae, data, 128, 1, g1, {.lr = 3e-3});
  train(beta, data, 128, 1, g2, {.lr = 3e-3});
  const double kl_vae = vae.evaluate(data, g1).kl, kl_beta = beta.evaluate(data, g2).kl;
  CHECK(kl_beta < 0.5 * kl_vae);
  CHECK(active_units(beta, ds).count < active_units(vae, ds).count);
}

TEST_CASE("the capacity objective raises C with the training steps", "[betavae]") {
  core::Generator gen(8);
  BetaVae beta(BetaVaeOptions{.capacity = true, .gamma = 100, .c_max = 20, .capacity_steps = 10}, gen);
  const nn::Batch data = fashion(64);
  Stepper stepper(beta, gen);
  StepStats last;
  for (int i = 0; i < 6; ++i) last = stepper.step(rows(data, 0, 32));
  CHECK(stepper.steps() == 6);
  CHECK(stepper.optimizers().at().steps() == 6);
  const ElboObjective o = beta.objective().at(stepper.steps() - 1);  // the 6th step's: 5 / 10 of 20
  CHECK(o.kind == ElboObjective::Kind::Capacity);
  CHECK(o.capacity == Approx(10.0));
  CHECK(o.gamma == 100);
  // The 6th step minimised it: -recon + gamma |KL - C| with that C.
  CHECK(last.loss == Approx(last.recon + 100 * std::abs(last.kl - 10.0)).epsilon(1e-5));
}

TEST_CASE("the same seed gives the same loss sequence", "[vae]") {
  const nn::Batch data = fashion(128);
  auto run = [&] {
    core::Generator gen(11);
    Vae vae(VaeOptions{.hidden = {64}, .latent = 8}, gen);
    return train(vae, data, 32, 2, gen);
  };
  CHECK(run() == run());
}

TEST_CASE("a VAE's state_dict round trip gives the same model", "[vae]") {
  core::Generator gen(12);
  Cvae a(CvaeOptions{.hidden = {32}, .latent = 4}, gen);
  const nn::Batch data = fashion(64);
  train(a, data, 32, 1, gen);
  core::Generator other(99);
  Cvae b(CvaeOptions{.hidden = {32}, .latent = 4}, other);
  b.load_state_dict(a.state_dict());
  CHECK(core::equal(a.encode(data), b.encode(data)));
  core::Generator s1(5), s2(5);
  CHECK(a.evaluate(data, s1).neg_elbo == b.evaluate(data, s2).neg_elbo);
}
