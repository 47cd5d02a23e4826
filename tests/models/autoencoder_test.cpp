// The autoencoders (ae, dae) and the denoising VAE: each trains, the denoising ones
// train on a corrupted input against the clean target, and the autoencoder samples
// from the Gaussian fitted to its training codes.
#include <catch2/catch.hpp>

#include <cmath>

#include "models_util.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/models/ae.hpp"
#include "xgrad/models/common/latent.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/models/dae.hpp"
#include "xgrad/models/dvae.hpp"

using namespace xgrad;
using namespace xgrad::models;
using namespace xgrad::models::testing;

namespace {

double mean_of(const Var& v) { return autograd::mean(v).item(); }

}  // namespace

TEST_CASE("the autoencoder's reconstruction loss falls on Fashion-MNIST, and it claims no KL or bound", "[ae]") {
  core::Generator gen(1);
  Autoencoder ae(AutoencoderOptions{}, gen);
  CHECK(ae.kind() == "ae");
  // The VAE's networks with one code layer in place of the (mean, log-variance) head.
  CHECK(ae.parameter_count() == (784 * 400 + 400) + (400 * 20 + 20) + (20 * 400 + 400) + (400 * 784 + 784));
  const auto losses = train(ae, fashion(512), 64, 4, gen);
  CHECK(head_mean(losses, 4) > 450);  // ~ 784 log 2 at the start
  CHECK(tail_mean(losses, 8) < 0.7 * head_mean(losses, 4));
  const nn::Batch b = fashion(8);
  const EvalSums s = ae.evaluate(b, gen);
  CHECK(s.kl == 0);
  CHECK(s.neg_elbo == s.recon);
  CHECK(s.recon / 8 == Approx(mean_of(ae.reconstruction_nll(b, b.x))).epsilon(1e-6));
  CHECK_THROWS_WITH(ae.iwae_log_likelihood(b, 5, gen), Catch::Contains("ae: no importance-weighted log-likelihood"));
}

TEST_CASE("the autoencoder samples from a Gaussian fitted to its training codes, carried by its state", "[ae]") {
  core::Generator gen(2);
  Autoencoder ae(AutoencoderOptions{.hidden = {32}, .latent = 3}, gen);
  (void)train(ae, fashion(256), 64, 1, gen);
  CHECK_THROWS_WITH(ae.sample(4, gen), Catch::Contains("ae: sampling draws from a Gaussian fitted to the training codes"));
  const nn::TensorDataset data(fashion(256).x);
  ae.finish_training(data);
  REQUIRE(ae.code_density->fitted());
  const CodeMoments codes = code_moments(encode_dataset(ae, data));
  CHECK(core::allclose(ae.code_density->mean(), codes.mean, 1e-5, 1e-6));
  const Tensor& l = ae.code_density->scale_tril();
  CHECK(core::allclose(core::matmul(l, l, core::Trans::No, core::Trans::Yes), codes.cov, 1e-3, 1e-5));
  // Draws have the fitted moments; decoded, they are images.
  const CodeMoments drawn = code_moments(ae.code_density->sample(20000, gen));
  for (Index a = 0; a < 3; ++a) {
    const double sd = std::sqrt(codes.cov.at({a, a}));
    CHECK(drawn.mean.data()[a] == Approx(codes.mean.data()[a]).margin(0.03 * sd));
    CHECK(drawn.cov.at({a, a}) == Approx(codes.cov.at({a, a})).epsilon(0.05));
  }
  const Tensor x = ae.sample(6, gen);
  CHECK(x.shape() == core::Shape{6, 784});
  for (float v : x) REQUIRE((v >= 0.f && v <= 1.f));
  // A model loaded from the state samples the same images.
  core::Generator other(3), g1(4), g2(4);
  Autoencoder copy(AutoencoderOptions{.hidden = {32}, .latent = 3}, other);
  copy.load_state_dict(ae.state_dict());
  CHECK(core::equal(copy.sample(5, g1), ae.sample(5, g2)));
}

TEST_CASE("the DAE is trained on the clean image's likelihood given the corrupted image's code", "[dae]") {
  core::Generator gen(5);
  Dae dae(DaeOptions{.autoencoder = {.hidden = {32}, .latent = 4}, .corruption = nn::Corruption::parse("mask:0.5")}, gen);
  CHECK(dae.kind() == "dae");
  (void)train(dae, fashion(512), 32, 2, gen, {.lr = 3e-3});  // so that the code matters
  const nn::Batch b = fashion(16);
  core::Generator replay(9);
  const nn::Batch noisy = dae.corruption.apply(b, replay);
  const double want = mean_of(dae.reconstruction_nll(noisy, b.x));
  // What a DAE that skipped the corruption, or scored the corrupted image, would minimise.
  const double uncorrupted = mean_of(dae.reconstruction_nll(b, b.x));
  const double corrupted_target = mean_of(dae.reconstruction_nll(noisy, noisy.x));
  INFO("loss " << want << ", without the corruption " << uncorrupted << ", on the corrupted target " << corrupted_target);
  REQUIRE(std::abs(want - uncorrupted) > 2);
  REQUIRE(std::abs(want - corrupted_target) > 2);
  core::Generator step_gen(9);
  Stepper stepper(dae, step_gen);
  CHECK(stepper.step(b).loss == Approx(want).epsilon(1e-6));
  // Evaluation takes its input as given: the clean image's reconstruction.
  CHECK(dae.evaluate(b, gen).recon / 16 == Approx(mean_of(dae.reconstruction_nll(b, b.x))).epsilon(1e-6));
}

TEST_CASE("the DAE's and the DVAE's losses fall on Fashion-MNIST", "[dae][dvae]") {
  core::Generator g1(6), g2(7);
  Dae dae(DaeOptions{}, g1);
  const auto dae_losses = train(dae, fashion(512), 64, 4, g1);
  CHECK(tail_mean(dae_losses, 8) < 0.75 * head_mean(dae_losses, 4));
  Dvae dvae(DvaeOptions{}, g2);
  const auto dvae_losses = train(dvae, fashion(512), 64, 4, g2);
  CHECK(tail_mean(dvae_losses, 8) < 0.75 * head_mean(dvae_losses, 4));
}

TEST_CASE("the DVAE's ELBO scores the clean x under a code drawn from q(z | corrupted x)", "[dvae]") {
  core::Generator gen(8);
  Dvae dvae(DvaeOptions{.vae = {.hidden = {32}, .latent = 4}, .corruption = nn::Corruption::parse("salt:0.3")}, gen);
  CHECK(dvae.kind() == "dvae");
  (void)train(dvae, fashion(512), 32, 2, gen, {.lr = 3e-3});  // so that the code matters
  const nn::Batch b = fashion(16);
  const auto loss_of = [&](const nn::Batch& encoded, const Tensor& scored, core::Generator& g) {
    const DistributionPtr q = dvae.posterior(encoded);
    const Var z = q->rsample(g);
    return elbo(*dvae.likelihood(z, b), Var(scored), *q, *dvae.prior(16)).loss_value();
  };
  core::Generator replay(9), skip(9);
  const nn::Batch noisy = dvae.corruption.apply(b, replay);
  const double want = loss_of(noisy, b.x, replay);
  (void)dvae.corruption.apply(b, skip);  // the same z draw, from the clean image's posterior
  const double uncorrupted = loss_of(b, b.x, skip);
  core::Generator again(9);
  (void)dvae.corruption.apply(b, again);
  const double corrupted_target = loss_of(noisy, noisy.x, again);
  INFO("loss " << want << ", without the corruption " << uncorrupted << ", on the corrupted target " << corrupted_target);
  REQUIRE(std::abs(want - uncorrupted) > 2);
  REQUIRE(std::abs(want - corrupted_target) > 2);
  core::Generator step_gen(9);
  Stepper stepper(dvae, step_gen);
  CHECK(stepper.step(b).loss == Approx(want).epsilon(1e-6));
  // Evaluation scores the clean image under its own posterior: no corruption.
  core::Generator e1(10), e2(10);
  dvae.eval();
  const double clean = loss_of(b, b.x, e2) * 16;
  CHECK(dvae.evaluate(b, e1).neg_elbo == Approx(clean).epsilon(1e-6));
}

TEST_CASE("ae, dae and dvae are registered with capabilities that claim no bound for the autoencoders", "[ae][registry]") {
  ModelRegistry& r = ModelRegistry::global();
  core::Generator gen(11);
  for (const char* kind : {"ae", "dae"}) {
    const ModelCapabilities caps = r.at(kind).caps;
    CHECK((caps.image && caps.has_latent && !caps.has_elbo && !caps.has_iwae && !caps.has_kl));
    CHECK(r.make(kind, {{"latent", std::int64_t{3}}}, gen).model->kind() == kind);
  }
  const ModelCapabilities dvae = r.at("dvae").caps;
  CHECK((dvae.image && dvae.has_elbo && dvae.has_iwae && dvae.has_kl));
  CHECK(std::get<std::string>(r.complete("dae", {}).at("corruption")) == "mask:0.25");
  CHECK(std::get<std::string>(r.complete("dvae", {}).at("corruption")) == "salt:0.1");
  auto built = r.make("dvae", {{"arch", std::string("conv")}, {"corruption", std::string("block:8")}}, gen);
  CHECK(built.model->describe() == "dvae(784 -> 20 latent, elbo(beta=1)), corruption block:8");
  CHECK_THROWS_WITH(r.make("dae", {{"corruption", std::string("blur:1")}}, gen), Catch::Contains("corruption 'blur:1': unknown kind"));
  CHECK_THROWS_WITH(r.make("ae", {{"arch", std::string("rnn")}}, gen), "unknown arch 'rnn' (choose from mlp, conv)");
  CHECK_THROWS_WITH(r.make("ae", {{"corruption", std::string("mask:0.5")}}, gen), "model 'ae' has no option 'corruption'");
}
