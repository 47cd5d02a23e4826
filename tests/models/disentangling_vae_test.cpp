// FactorVAE and beta-TCVAE: their steps minimise what the papers say, each optimizer
// moves only its own parameters, both train on Fashion-MNIST from the registry.
#include <catch2/catch.hpp>

#include <cmath>

#include "models_util.hpp"
#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/beta_tcvae.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/models/factor_vae.hpp"

using namespace xgrad;
using namespace xgrad::models;
using namespace xgrad::models::testing;

namespace {

FactorVaeOptions small_factor(double gamma) {
  return {.vae = {.hidden = {64}, .latent = 4}, .gamma = gamma, .disc_hidden = {32, 32}};
}

std::vector<nn::Tensor> values(const nn::Module& m) {
  std::vector<nn::Tensor> out;
  for (const Var& p : m.parameters()) out.push_back(p.value());
  return out;
}

bool changed(const std::vector<nn::Tensor>& before, const nn::Module& m) {
  const auto now = m.parameters();
  for (std::size_t i = 0; i < now.size(); ++i)
    for (Index k = 0; k < now[i].value().numel(); ++k)
      if (now[i].value().data()[k] != before[i].data()[k]) return true;
  return false;
}

}  // namespace

TEST_CASE("FactorVAE's VAE is the VAE's, and its step minimises -ELBO + gamma TC then the critic's loss",
          "[factor_vae]") {
  core::Generator g1(7), g2(7);
  FactorVae f(small_factor(10), g1);
  const Vae plain(small_factor(10).vae, g2);
  CHECK(f.encoder->parameters()[0].value().data()[3] == plain.encoder->parameters()[0].value().data()[3]);
  core::Generator gen(1);
  Stepper stepper(f, gen);
  std::vector<std::string> names;
  for (const auto& [name, opt] : stepper.optimizers().named()) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"vae", "disc"});
  const auto vae_before = values(*f.decoder), disc_before = values(*f.discriminator);
  const StepStats s = stepper.step(fashion(32));
  CHECK(s.loss == Approx(s.recon + s.kl + 10 * s.extra.at("tc")).epsilon(1e-4));
  CHECK(std::isfinite(s.extra.at("disc_loss")));
  CHECK(changed(vae_before, *f.decoder));
  CHECK(changed(disc_before, *f.discriminator));
}

TEST_CASE("FactorVAE's optimizers each move only their own parameters", "[factor_vae]") {
  core::Generator g(3);
  FactorVae f(small_factor(35), g);
  core::Generator gen(2);
  Stepper stepper(f, gen);
  const auto disc_before = values(*f.discriminator);
  nn::StepContext ctx{gen, 0, 0, f, stepper.optimizers()};
  const Var z = f.posterior(fashion(16))->mean();
  ctx.minimize(autograd::sum(f.discriminator->forward(z)) + autograd::sum(z), "vae");
  CHECK_FALSE(changed(disc_before, *f.discriminator));
  const auto enc_before = values(*f.encoder);
  ctx.minimize(autograd::sum(f.discriminator->forward(f.posterior(fashion(16))->mean())), "disc");
  CHECK_FALSE(changed(enc_before, *f.encoder));
}

TEST_CASE("beta-TCVAE's loss is recon + alpha MI + beta TC + gamma dim-KL", "[beta_tcvae]") {
  for (TcSampling sampling : {TcSampling::MinibatchWeighted, TcSampling::MinibatchStratified}) {
    core::Generator g(5);
    BetaTcVae m({.vae = {.hidden = {64}, .latent = 4}, .loss = {.alpha = 2, .beta = 6, .gamma = 0.5, .dataset_size = 1000, .sampling = sampling}}, g);
    core::Generator gen(1);
    Stepper stepper(m, gen);
    const StepStats s = stepper.step(fashion(32));
    CHECK(s.loss == Approx(s.recon + 2 * s.extra.at("mi") + 6 * s.extra.at("tc") + 0.5 * s.extra.at("dim_kl")).epsilon(1e-4));
  }
}

TEST_CASE("factor-vae and beta-tcvae train from the registry on Fashion-MNIST and are deterministic",
          "[factor_vae][beta_tcvae]") {
  const nn::Batch data = fashion(256);
  for (const std::string kind : {"factor-vae", "beta-tcvae"}) {
    INFO(kind);
    auto run = [&] {
      core::Generator gen(9);
      BuiltModel b = ModelRegistry::global().make(kind, {{"latent", std::int64_t{6}}, {"hidden", std::string("128")}}, gen);
      return train(*b.model, data, 32, 3, gen, b.optimizer);
    };
    const std::vector<double> losses = run();
    CHECK(tail_mean(losses, 4) < head_mean(losses, 4));
    CHECK(run() == losses);
  }
  CHECK_THROWS_WITH(
      [] {
        core::Generator gen(1);
        ModelRegistry::global().make("beta-tcvae", {{"sampling", std::string("xx")}}, gen);
      }(),
      Catch::Contains("unknown sampling 'xx'"));
}
