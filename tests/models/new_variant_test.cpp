// A researcher's variant in a few lines: a VAE with a learned-variance Gaussian
// decoder, composed from models/common; the default training step does the rest, and
// the learning rate is the trainer's (here a Stepper's), not the model's.
#include <catch2/catch.hpp>

#include "models_util.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/nn/layers/mlp.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

class GaussianDecoderVae : public LatentVariableModel {
 public:
  GaussianDecoderVae(Index d, Index h, Index z, core::Generator& gen) : z_(z) {
    enc = register_module("enc", nn::make<nn::MLP>(nn::MLPOptions{.sizes = {d, h}, .activate_last = true}, gen));
    q = register_module("q", nn::make<GaussianHead>(GaussianHeadOptions{.in = h, .out = z}, gen));
    dec = register_module("dec", nn::make<nn::MLP>(nn::MLPOptions{.sizes = {z, h}, .activate_last = true}, gen));
    p = register_module("p", nn::make<GaussianLikelihoodHead>(GaussianLikelihoodHeadOptions{.in = h, .out = d}, gen));
  }
  std::string kind() const override { return "gaussian-vae"; }
  Index latent_dim() const override { return z_; }
  DistributionPtr posterior(const Batch& b) override { return make_dist((*q)(enc->forward(Var(b.x)))); }
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& z, const Batch&) override {
    return std::make_unique<nn::Normal<>>((*p)(dec->forward(z)));
  }

  std::shared_ptr<nn::MLP> enc, dec;
  std::shared_ptr<GaussianHead> q;
  std::shared_ptr<GaussianLikelihoodHead> p;

 private:
  Index z_;
};

}  // namespace

TEST_CASE("a new variant written from the common parts trains", "[vae]") {
  core::Generator gen(21);
  GaussianDecoderVae model(784, 128, 8, gen);
  const auto losses = testing::train(model, testing::fashion(256), 32, 4, gen, {.lr = 1e-2});
  CHECK(testing::tail_mean(losses, 4) < testing::head_mean(losses, 4) - 100);
  CHECK(std::isfinite(model.iwae_log_likelihood(testing::rows(testing::fashion(8), 0, 8), 4, gen).data()[0]));
  CHECK(model.sample(3, gen).shape() == core::Shape{3, 784});
}
