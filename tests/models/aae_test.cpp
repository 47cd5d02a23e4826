// The adversarial autoencoder: its phases, priors, variants and the statistics
// that check q(z) against the prior. Fashion-MNIST must be installed (the tests
// fail, not skip, without it).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"
#include "xgrad/nn/distributions/normal.hpp"
#include "xgrad/nn/losses.hpp"

using namespace xgrad;
using models::Aae;
using models::AaeOptions;
using models::Stepper;
using nn::Tensor;
using nn::Var;

namespace {

// The first n test images (the test split loads faster than the training one).
nn::Batch fashion_batch(core::Index n) {
  static const auto data = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.train = false});
  std::vector<core::Index> idx(static_cast<std::size_t>(n));
  for (core::Index i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
  return data->get_batch(idx);
}

nn::Batch rows(const nn::Batch& b, core::Index from, core::Index count) {
  nn::Batch out;
  core::IndexTensor idx(core::Shape{count});
  for (core::Index i = 0; i < count; ++i) idx.data()[i] = from + i;
  out.x = core::index_select(b.x, 0, idx);
  out.labels = core::index_select(b.labels, 0, idx);
  return out;
}

// Smaller than the paper's sizes so that CI training takes a few seconds.
AaeOptions small_options() {
  return AaeOptions{.hidden = {128}, .latent_dim = 4, .disc_hidden = {64}};
}

std::map<std::string, Tensor> snapshot(const nn::Module& m) {
  std::map<std::string, Tensor> s;
  for (const auto& [name, t] : m.state_dict()) s.emplace(name, t);
  return s;
}

bool same(const nn::Module& m, const std::map<std::string, Tensor>& before) {
  for (const auto& [name, t] : m.state_dict())
    if (!core::equal(t, before.at(name))) return false;
  return true;
}

// The optimizers a trainer builds for the model (its defaults) and a context at training
// step `step` of `total`, to run the phases one by one.
struct Phases {
  nn::Optimizers optimizers;
  nn::StepContext ctx;
  Phases(Aae& model, core::Generator& gen, std::int64_t step = 0, std::int64_t total = 0)
      : optimizers(model.optimizer_specs(nn::OptimizerOptions{})), ctx{gen, step, total, model, optimizers} {}
  Phases(const Phases&) = delete;
  Phases& operator=(const Phases&) = delete;
};

struct EpochMeans {
  double first_recon = 0, last_recon = 0;
  bool finite = true;
};

// `epochs` passes over `data` in batches of 64; mean reconstruction of the first and last.
EpochMeans train(Aae& model, const nn::Batch& data, int epochs, core::Generator& gen) {
  const core::Index bs = 64, n = data.x.size(0);
  Stepper stepper(model, gen);
  EpochMeans m;
  for (int e = 0; e < epochs; ++e) {
    double sum = 0;
    int steps = 0;
    for (core::Index s = 0; s + bs <= n; s += bs, ++steps) {
      const models::StepStats st = stepper.step(rows(data, s, bs));
      sum += st.recon;
      m.finite = m.finite && std::isfinite(st.loss) && std::isfinite(st.extra.at("disc_loss")) &&
                 std::isfinite(st.extra.at("gen_loss"));
    }
    (e == 0 ? m.first_recon : m.last_recon) = sum / steps;
  }
  return m;
}

}  // namespace

TEST_CASE("AAE reconstruction loss falls over a short Fashion-MNIST training, adversarial losses stay finite",
          "[aae]") {
  core::Generator gen(1);
  Aae model(small_options(), gen);
  const EpochMeans m = train(model, fashion_batch(320), 6, gen);
  CHECK(m.finite);
  CHECK(m.last_recon < 0.8 * m.first_recon);
}

TEST_CASE("AAE with a Gaussian encoder and the mixture prior also trains", "[aae]") {
  core::Generator gen(2);
  AaeOptions o = small_options();
  o.encoder = models::AaeEncoder::Gaussian;
  o.prior = models::AaePrior::Mixture;
  Aae model(o, gen);
  const EpochMeans m = train(model, fashion_batch(320), 6, gen);
  CHECK(m.finite);
  CHECK(m.last_recon < 0.8 * m.first_recon);
}

TEST_CASE("AAE train_step reports the reconstruction as loss, no KL, and both adversarial losses", "[aae]") {
  core::Generator gen(3);
  Aae model(small_options(), gen);
  Stepper stepper(model, gen);
  const models::StepStats st = stepper.step(fashion_batch(64));
  CHECK(st.loss == st.recon);
  CHECK(st.kl == 0);
  REQUIRE(st.extra.count("disc_loss") == 1);
  REQUIRE(st.extra.count("gen_loss") == 1);
  // At initialisation the discriminator is near chance: each BCE is near log 2.
  CHECK(st.extra.at("disc_loss") == Approx(2 * std::log(2.0)).margin(0.3));
  CHECK(st.extra.at("gen_loss") == Approx(0.0).margin(0.5));  // minus the logit (AaeGeneratorLoss::Logit)
  const auto opts = stepper.optimizers().named();
  REQUIRE(opts.size() == 3);
  CHECK(opts[0].first == "recon");
  CHECK(opts[1].first == "disc");
  CHECK(opts[2].first == "gen");
  CHECK(opts[0].second->steps() == 1);
  CHECK(opts[1].second->steps() == 5);  // discriminator_steps
  CHECK(opts[2].second->steps() == 1);
  CHECK(opts[0].second->lr() == Approx(1e-3));
  CHECK(opts[1].second->lr() == Approx(5e-4));
  CHECK(opts[2].second->lr() == Approx(2e-4));
}

TEST_CASE("AAE two-stage rates follow set_progress: encoder focus, then a tenth of every rate", "[aae]") {
  core::Generator gen(15);
  Aae model(small_options(), gen);
  nn::Optimizers optimizers(model.optimizer_specs(nn::OptimizerOptions{}));
  const auto opts = optimizers.named();
  nn::Optimizer &recon = *opts[0].second, &disc = *opts[1].second, &g = *opts[2].second;
  auto rates = [&] {
    return std::vector<double>{recon.lr(0), recon.lr(1), disc.lr(), g.lr()};  // recon group 0: encoder
  };
  model.set_progress(39, 100, optimizers);  // before focus_from = 0.4
  CHECK(rates() == std::vector<double>{1e-3, 1e-3, 5e-4, 2e-4});
  model.set_progress(40, 100, optimizers);
  CHECK(rates() == std::vector<double>{1e-5, 1e-3, 5e-4, 2e-4});
  model.set_progress(89, 100, optimizers);
  CHECK(rates() == std::vector<double>{1e-5, 1e-3, 5e-4, 2e-4});
  model.set_progress(90, 100, optimizers);  // settle_from = 0.9
  const std::vector<double> settled = rates(), expected{1e-6, 1e-4, 5e-5, 2e-5};
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(settled[i] == Approx(expected[i]));
  model.set_progress(0, 100, optimizers);  // a resumed run may set any step, also an earlier one
  CHECK(rates() == std::vector<double>{1e-3, 1e-3, 5e-4, 2e-4});
  CHECK_THROWS_AS(model.set_progress(0, 0, optimizers), core::ValueError);
  CHECK_THROWS_AS(model.set_progress(-1, 10, optimizers), core::ValueError);
  AaeOptions o = small_options();
  o.focus_from = 1.5;
  CHECK_THROWS_AS(Aae(o, gen), core::ValueError);
  o = small_options();
  o.discriminator_steps = 0;
  CHECK_THROWS_AS(Aae(o, gen), core::ValueError);
}

TEST_CASE("AAE generator losses: -log D(z), log(1 - D(z)) or minus the logit", "[aae]") {
  using models::AaeGeneratorLoss;
  for (const AaeGeneratorLoss kind : {AaeGeneratorLoss::NonSaturating, AaeGeneratorLoss::Minimax, AaeGeneratorLoss::Logit}) {
    core::Generator gen(17);
    AaeOptions o = small_options();
    o.generator_loss = kind;
    Aae model(o, gen);
    const nn::Batch batch = fashion_batch(32);
    const Var z = model.code(Var(batch.x), gen);
    double expected = 0;
    {
      const autograd::NoGradGuard no_grad;
      const Tensor logits = model.discriminate(z).value();
      for (float v : logits) {
        const double l = v, d = 1 / (1 + std::exp(-l));
        expected += kind == AaeGeneratorLoss::NonSaturating ? -std::log(d)
                    : kind == AaeGeneratorLoss::Minimax     ? std::log(1 - d)
                                                            : -l;
      }
      expected /= static_cast<double>(logits.numel());
    }
    Phases phases(model, gen);
    CHECK(model.generator_phase(z, phases.ctx) == Approx(expected).epsilon(1e-5).margin(1e-6));
  }
}

TEST_CASE("in the AAE's focus stage reconstruction leaves the encoder to the generator", "[aae]") {
  core::Generator gen(16);
  AaeOptions o = small_options();
  o.focus_encoder_lr = 0;
  Aae model(o, gen);
  const nn::Batch batch = fashion_batch(64);
  Phases phases(model, gen, 5, 10);
  model.set_progress(5, 10, phases.optimizers);
  const auto enc = snapshot(*model.encoder), dec = snapshot(*model.decoder);
  model.reconstruction_phase(batch, phases.ctx);
  CHECK(same(*model.encoder, enc));
  CHECK_FALSE(same(*model.decoder, dec));
  model.generator_phase(model.code(Var(batch.x), gen), phases.ctx);
  CHECK_FALSE(same(*model.encoder, enc));
}

TEST_CASE("each AAE phase updates only its own parameters", "[aae]") {
  core::Generator gen(4);
  Aae model(small_options(), gen);
  const nn::Batch batch = fashion_batch(64);
  Phases phases(model, gen);

  auto enc = snapshot(*model.encoder), dec = snapshot(*model.decoder), lik = snapshot(*model.likelihood),
       disc = snapshot(*model.discriminator);
  model.reconstruction_phase(batch, phases.ctx);
  CHECK_FALSE(same(*model.encoder, enc));
  CHECK_FALSE(same(*model.decoder, dec));
  CHECK_FALSE(same(*model.likelihood, lik));
  CHECK(same(*model.discriminator, disc));

  enc = snapshot(*model.encoder), dec = snapshot(*model.decoder), lik = snapshot(*model.likelihood);
  const Var z = model.code(Var(batch.x), gen);
  model.discriminator_phase(z, phases.ctx);
  CHECK(same(*model.encoder, enc));
  CHECK(same(*model.decoder, dec));
  CHECK(same(*model.likelihood, lik));
  CHECK_FALSE(same(*model.discriminator, disc));

  disc = snapshot(*model.discriminator);
  model.generator_phase(z, phases.ctx);
  CHECK_FALSE(same(*model.encoder, enc));
  CHECK(same(*model.decoder, dec));
  CHECK(same(*model.likelihood, lik));
  CHECK(same(*model.discriminator, disc));
  // The generator phase froze the discriminator only while it ran.
  for (const Var& p : model.discriminator->parameters()) CHECK(p.requires_grad());
}

TEST_CASE("AAE training is deterministic for a seed", "[aae]") {
  const nn::Batch data = fashion_batch(128);
  auto run = [&] {
    core::Generator gen(7);
    AaeOptions o = small_options();
    o.encoder = models::AaeEncoder::Gaussian;
    Aae model(o, gen);
    Stepper stepper(model, gen);
    std::vector<double> out;
    for (int i = 0; i < 3; ++i) {
      const auto st = stepper.step(rows(data, 64 * (i % 2), 64));
      out.insert(out.end(), {st.recon, st.extra.at("disc_loss"), st.extra.at("gen_loss")});
    }
    return out;
  };
  CHECK(run() == run());
}

TEST_CASE("AAE evaluate sums the reconstruction the training step minimises", "[aae]") {
  core::Generator gen(5);
  Aae model(small_options(), gen);
  const nn::Batch batch = fashion_batch(64);
  const models::EvalSums sums = model.evaluate(batch, gen);
  CHECK(sums.count == 64);
  CHECK(sums.kl == 0);
  CHECK(sums.neg_elbo == sums.recon);
  // The phase reports its loss before its step, so it scores the same model.
  Phases phases(model, gen);
  CHECK(sums.recon / 64 == Approx(model.reconstruction_phase(batch, phases.ctx)).epsilon(1e-5));
}

TEST_CASE("AAE has no importance-weighted bound and says why", "[aae]") {
  core::Generator gen(6);
  Aae model(small_options(), gen);
  CHECK_THROWS_AS(model.iwae_log_likelihood(fashion_batch(4), 5, gen), core::Error);
  CHECK_THROWS_WITH(model.iwae_log_likelihood(fashion_batch(4), 5, gen), Catch::Contains("no importance-weighted"));
}

TEST_CASE("supervised AAE decodes a code with each label and needs the labels", "[aae]") {
  core::Generator gen(8);
  AaeOptions o = small_options();
  o.num_classes = 10;
  Aae model(o, gen);
  CHECK(model.decoder->parameters()[0].shape() == core::Shape{128, 4 + 10});
  const models::StepStats st = Stepper(model, gen).step(fashion_batch(64));
  CHECK(std::isfinite(st.recon));

  core::IndexTensor labels(core::Shape{10});
  for (core::Index c = 0; c < 10; ++c) labels.data()[c] = c;
  const Tensor x = model.sample(10, gen, labels);
  CHECK(x.shape() == core::Shape{10, 784});
  for (float v : x) REQUIRE((v >= 0 && v <= 1));
  // One style code decoded with two labels gives two different images.
  const Tensor z = model.sample_prior(1, gen);
  core::IndexTensor zero(core::Shape{1}, {0}), one(core::Shape{1}, {1});
  CHECK_FALSE(core::equal(model.decode(z, zero), model.decode(z, one)));
  CHECK_THROWS_AS(model.sample(3, gen), core::ValueError);
  CHECK(model.reconstruct(fashion_batch(5)).shape() == core::Shape{5, 784});
}

TEST_CASE("AAE mixture prior draws cluster around ten means on a circle", "[aae]") {
  core::Generator gen(9);
  AaeOptions o = small_options();
  o.prior = models::AaePrior::Mixture;
  Aae model(o, gen);
  const core::Index n = 5000;
  const Tensor z = model.sample_prior(n, gen);
  REQUIRE(z.shape() == core::Shape{n, 4});
  std::vector<int> counts(10, 0);
  double off_plane_sq = 0;
  for (core::Index i = 0; i < n; ++i) {
    const double x = z.at({i, 0}), y = z.at({i, 1});
    // The nearest mean is the one whose angle is closest.
    const double angle = std::atan2(y, x);
    const int k = static_cast<int>(std::lround(angle / (2 * M_PI / 10) + 10)) % 10;
    const double mx = 4 * std::cos(2 * M_PI * k / 10), my = 4 * std::sin(2 * M_PI * k / 10);
    REQUIRE(std::hypot(x - mx, y - my) < 5 * 0.5);
    ++counts[k];
    off_plane_sq += z.at({i, 2}) * z.at({i, 2}) + z.at({i, 3}) * z.at({i, 3});
  }
  for (int c : counts) CHECK(c == Approx(n / 10).margin(100));  // about 5 standard deviations
  CHECK(std::sqrt(off_plane_sq / (2 * n)) == Approx(0.5).epsilon(0.05));
}

TEST_CASE("AAE standard Gaussian prior draws have zero mean and identity covariance", "[aae]") {
  core::Generator gen(10);
  Aae model(small_options(), gen);
  const models::CodeMoments m = models::code_moments(model.sample_prior(20000, gen));
  for (float v : m.mean) CHECK(std::abs(v) < 0.05);
  CHECK(models::distance_from_identity(m.cov) < 0.1);
}

TEST_CASE("code_moments gives the sample mean and the N - 1 covariance", "[aae]") {
  const Tensor codes(core::Shape{3, 2}, {1, 2, 3, 4, 5, 0});
  const models::CodeMoments m = models::code_moments(codes);
  CHECK(m.mean.to_vector() == std::vector<float>{3, 2});
  // Deviations (-2, 0), (0, 2), (2, -2): sums 8, -4, -4, 8 over N - 1 = 2.
  CHECK(m.cov.to_vector() == std::vector<float>{4, -2, -2, 4});
  CHECK(models::distance_from_identity(m.cov) == Approx(std::sqrt(9.0 + 4 + 4 + 9)));
  CHECK_THROWS_AS(models::code_moments(Tensor(core::Shape{1, 2}, {1, 2})), core::ValueError);
}

TEST_CASE("a fresh discriminator is near chance on prior draws and sure on shifted ones", "[aae]") {
  core::Generator gen(11);
  const core::Shape shape{1000, 2};
  const Tensor prior = core::normal<float>(shape, 0, 1, gen);
  const Tensor same_dist = core::normal<float>(shape, 0, 1, gen);
  const Tensor shifted = core::normal<float>(shape, 3, 1, gen);
  const double chance = models::fresh_discriminator_accuracy(same_dist, prior, gen, 20, 32);
  const double sure = models::fresh_discriminator_accuracy(shifted, prior, gen, 20, 32);
  CHECK(chance < 0.58);
  CHECK(sure > 0.95);  // the Bayes classifier gets Phi(3 sqrt 2 / 2) = 0.983
}

namespace {
// How far codes are from N(0, I) in their first two moments: ||mean|| + ||cov - I||_F.
double moment_distance(const Tensor& codes) {
  const models::CodeMoments m = models::code_moments(codes);
  double sq = 0;
  for (float v : m.mean) sq += static_cast<double>(v) * v;
  return std::sqrt(sq) + models::distance_from_identity(m.cov);
}
}  // namespace

// The regularisation phases (discriminator, then the encoder as generator) must pull
// the codes' moments toward the prior's: two twins from one seed see the same batches,
// one trains with all three phases, the other with the reconstruction phase only.
// Reconstruction alone spreads the codes far (distance ~124 after 600 steps here); the
// regularised twin ends ~3x closer. (The regularisation phases alone, with no
// reconstruction to anchor the codes, oscillate like any GAN: no monotone pull to test.)
TEST_CASE("AAE regularisation phases move the code moments toward the prior", "[aae]") {
  const nn::Batch data = fashion_batch(512);
  auto train_twin = [&](bool regularise) {
    core::Generator gen(12);
    Aae model(small_options(), gen);
    Stepper stepper(model, gen);
    for (int step = 0; step < 600; ++step) {
      const nn::Batch b = rows(data, 64 * (step % 8), 64);
      if (regularise) {
        stepper.step(b);
      } else {
        nn::StepContext ctx{gen, step, 0, model, stepper.optimizers()};
        model.reconstruction_phase(b, ctx);
      }
    }
    return moment_distance(model.encode(data));
  };
  const double plain = train_twin(false), regularised = train_twin(true);
  std::cout << "moment distance from N(0, I): reconstruction only " << plain << ", with regularisation "
            << regularised << std::endl;
  CHECK(regularised < 0.5 * plain);
}

TEST_CASE("AAE generator_steps runs extra generator steps and must be positive", "[aae]") {
  core::Generator gen(13);
  AaeOptions o = small_options();
  o.generator_steps = 3;
  Aae model(o, gen);
  Stepper stepper(model, gen);
  stepper.step(fashion_batch(64));
  const auto opts = stepper.optimizers().named();
  CHECK(opts[0].second->steps() == 1);
  CHECK(opts[1].second->steps() == static_cast<std::int64_t>(o.discriminator_steps));
  CHECK(opts[2].second->steps() == 3);
  o.generator_steps = 0;
  CHECK_THROWS_AS(Aae(o, gen), core::ValueError);
}

TEST_CASE("AAE instance noise falls linearly to its floor over the decay steps", "[aae]") {
  core::Generator gen(14);
  AaeOptions o = small_options();
  o.instance_noise = 1.0;
  o.instance_noise_floor = 0.2;
  o.instance_noise_decay_steps = 4;
  Aae model(o, gen);
  const nn::Batch batch = fashion_batch(16);
  Stepper stepper(model, gen);
  std::vector<double> sigmas;
  for (int step = 0; step < 6; ++step) {
    sigmas.push_back(model.instance_noise_std(stepper.steps()));
    stepper.step(batch);
  }
  const std::vector<double> expected{1.0, 0.8, 0.6, 0.4, 0.2, 0.2};
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(sigmas[i] == Approx(expected[i]));
  CHECK(Aae(small_options(), gen).instance_noise_std(0) == 0);  // off by default
  o.instance_noise = -1;
  CHECK_THROWS_AS(Aae(o, gen), core::ValueError);
  o = small_options();
  o.prior_label = 0;
  CHECK_THROWS_AS(Aae(o, gen), core::ValueError);
}

// Recomputes the discriminator phase's loss from a copy of the generator: the prior
// draws and the codes each get their own noise, and the prior's target is prior_label.
TEST_CASE("AAE discriminator phase sees noisy prior draws and codes, prior target smoothed", "[aae]") {
  core::Generator gen(15);
  AaeOptions o = small_options();
  o.instance_noise = 2.0;
  o.prior_label = 0.8;
  Aae model(o, gen);
  const nn::Batch batch = fashion_batch(32);
  const Var z = model.code(Var(batch.x), gen);
  const core::Index n = z.size(0), d = o.latent_dim;
  auto loss = [&](const Tensor& prior, const Tensor& codes, float prior_target) {
    const autograd::NoGradGuard no_grad;
    return (nn::bce_with_logits(model.discriminate(Var(prior)), Tensor::full(core::Shape{n, 1}, prior_target)) +
            nn::bce_with_logits(model.discriminate(Var(codes)), Tensor::full(core::Shape{n, 1}, 0.0f)))
        .item();
  };
  auto noise = [&](core::Generator& g) { return nn::Normal<float>::standard(core::Shape{n, d}).sample(g) * 2.0f; };

  core::Generator replay = gen, plain = gen;
  const Tensor prior = model.sample_prior(n, replay);
  const Tensor noisy_prior = prior + noise(replay);
  const double expected = loss(noisy_prior, z.value() + noise(replay), 0.8f);
  // Without the noise and the smoothing the loss differs, so the match below is not vacuous.
  CHECK(std::abs(loss(model.sample_prior(n, plain), z.value(), 1.0f) - expected) > 0.05);
  Phases phases(model, gen);
  CHECK(model.discriminator_phase(z, phases.ctx) == Approx(expected).epsilon(1e-5));
}

TEST_CASE("AAE discriminator dropout follows each hidden layer and draws fresh masks", "[aae]") {
  core::Generator gen(16);
  AaeOptions o = small_options();
  o.disc_hidden = {32, 32};
  o.disc_dropout = 0.5;
  Aae model(o, gen);
  // Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear.
  REQUIRE(model.discriminator->size() == 7);
  CHECK(model.discriminator->describe() == "Sequential");
  CHECK(model.discriminator->parameters().size() == 6);
  const Tensor z = model.sample_prior(16, gen);
  CHECK_FALSE(core::equal(model.discriminate(Var(z)).value(), model.discriminate(Var(z)).value()));
  o.disc_dropout = 1.0;
  CHECK_THROWS_AS(Aae(o, gen), core::ValueError);
  // Without dropout the discriminator is the plain MLP (the benchmark's layout).
  CHECK(Aae(small_options(), gen).discriminator->describe().rfind("MLP", 0) == 0);
}
