// The VQ-VAE and its PixelCNN prior: a few steps on real images reduce the loss, the
// codes and the decoder fit together, the prior learns code grids and samples them,
// bad inputs are named.
#include "xgrad/models/vq_vae.hpp"

#include <catch2/catch.hpp>

#include "models_util.hpp"
#include "xgrad/autograd/autograd.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/nn/data/dataset.hpp"

using namespace xgrad;
using namespace xgrad::models;
using testing::fashion;

namespace {

/// A small VQ-VAE (the default grid and layers, narrow channels) for fast tests.
VqVaeOptions tiny() {
  VqVaeOptions o;
  o.quantizer = {.codes = 16, .dim = 4};
  o.hidden = 8;
  o.residual_hidden = 4;
  o.restart_every = 5;
  o.prior_channels = 8;
  o.prior_layers = 1;
  return o;
}

}  // namespace

TEST_CASE("vq-vae: steps on a tiny batch reduce the loss and keep codes in use", "[vq-vae]") {
  core::Generator gen(1);
  VqVae model(tiny(), gen);
  const nn::Batch b = fashion(16);
  const std::vector<double> losses = testing::train(model, b, 16, 60, gen, {.lr = 3e-3});
  INFO("first " << losses.front() << " last " << losses.back());
  CHECK(testing::tail_mean(losses, 5) < 0.8 * testing::head_mean(losses, 5));
  const IndexTensor codes = model.encode_codes(b);
  CHECK(codes.shape() == core::Shape{16, 49});
  CHECK(nn::perplexity(codes, 16) > 1.5);  // restarts keep more than one code alive
}

TEST_CASE("vq-vae: encode and decode go through the codebook; decode_codes gives pixel means", "[vq-vae]") {
  core::Generator gen(2);
  VqVae model(tiny(), gen);
  const nn::Batch b = fashion(3);
  const Tensor z = model.encode(b);
  CHECK(z.shape() == core::Shape{3, 4 * 49});
  CHECK(core::allclose(model.decode(z), model.decode_codes(model.encode_codes(b)), 0.0, 1e-6));
  const Tensor means = model.reconstruct(b);
  CHECK(means.shape() == core::Shape{3, 784});
  for (float v : means) REQUIRE((v >= 0 && v <= 1));
}

TEST_CASE("vq-vae: evaluate sums the BCE per image with no KL", "[vq-vae]") {
  core::Generator gen(3);
  VqVae model(tiny(), gen);
  const EvalSums s = model.evaluate(fashion(4), gen);
  CHECK(s.count == 4);
  CHECK(s.kl == 0);
  CHECK(s.recon > 4 * 100);  // an untrained decoder is far from the images (BCE of 784 pixels)
  CHECK(s.neg_elbo == s.recon);
}

TEST_CASE("vq-vae: bad inputs and a missing prior are named", "[vq-vae]") {
  core::Generator gen(4);
  VqVae model(tiny(), gen);
  CHECK_THROWS_WITH(model.encode(nn::Batch{.x = Tensor::zeros({2, 100}), .y = {}, .labels = {}}), "vq-vae: inputs of shape (2, 100) are not 1x28x28 images");
  CHECK_THROWS_WITH(model.decode_codes(IndexTensor::zeros({2, 48})), "vq-vae: code grids of shape (2, 48) are not (B, 49)");
  CHECK_THROWS_WITH(model.sample(2, gen), Catch::Contains("no prior"));
  CHECK_THROWS_AS(model.iwae_log_likelihood(fashion(2), 5, gen), core::ValueError);
  CHECK_THROWS_WITH(ModelRegistry::global().make("vq-vae", {{"codes", std::int64_t{0}}}, gen),
                    "codes must be positive (got 0)");
}

TEST_CASE("the PixelCNN prior learns code grids, and samples grids of valid codes from a seed", "[vq-vae]") {
  core::Generator gen(5);
  PixelCnnPrior prior({.codes = 4, .height = 3, .width = 3, .channels = 8, .layers = 1}, gen);
  // Two grids that follow a rule (each code is the one before it + 1, mod 4).
  IndexTensor grids({2, 9});
  for (Index i = 0; i < 9; ++i) grids.data()[i] = i % 4, grids.data()[9 + i] = (i + 2) % 4;
  const double before = prior.bits_per_code(grids);
  auto data = nn::TensorDataset::of_labels(grids);
  nn::Trainer trainer(prior, gen, data, {.budget = {.steps = 60}, .batch_size = 2, .optimizer = {.lr = 1e-2}});
  trainer.fit();
  const double after = prior.bits_per_code(grids);
  INFO("bits per code " << before << " -> " << after);
  CHECK(after < 0.6 * before);
  core::Generator g1(9), g2(9);
  const IndexTensor s = prior.sample(5, g1);
  CHECK(s.shape() == core::Shape{5, 9});
  for (Index c : s) REQUIRE((c >= 0 && c < 4));
  CHECK(core::equal(s, prior.sample(5, g2)));
  CHECK_THROWS_WITH(prior.logits(IndexTensor::zeros({1, 8})), "PixelCnnPrior: code grids of shape (1, 8) are not (B, 9)");
}

TEST_CASE("vq-vae samples decode the attached prior's code grids", "[vq-vae]") {
  core::Generator gen(6);
  VqVae model(tiny(), gen);
  model.set_prior(std::make_shared<PixelCnnPrior>(model.prior_options(), gen));
  core::Generator g1(7), g2(7);
  const Tensor x = model.sample(3, g1);
  CHECK(x.shape() == core::Shape{3, 784});
  CHECK(core::allclose(x, model.decode_codes(model.prior()->sample(3, g2)), 0.0, 0.0));
}

TEST_CASE("the PixelCNN prior's sampling temperature: 1 is the plain draw, near 0 the most likely code", "[vq-vae]") {
  core::Generator gen(5);
  PixelCnnPrior prior({.codes = 4, .height = 3, .width = 3, .channels = 8, .layers = 1}, gen);
  core::Generator a(1), b(1);
  CHECK(core::equal(prior.sample(6, a), prior.sample(6, b, 1.0)));
  // Untrained, the prior is near uniform: two seeds draw different grids at 1 ...
  core::Generator c(1), d(2);
  CHECK_FALSE(core::equal(prior.sample(6, c), prior.sample(6, d)));
  // ... and the same greedy grid at 1e-4: every code the argmax of its logits given the codes before it.
  core::Generator f(1), g(2);
  const IndexTensor cold = prior.sample(6, f, 1e-4);
  CHECK(core::equal(cold, prior.sample(6, g, 1e-4)));
  const core::Tensor<float> l = prior.logits(cold).value();  // (6, 4, 3, 3)
  for (Index i = 0; i < 6; ++i)
    for (Index pos = 0; pos < 9; ++pos) {
      Index best = 0;
      for (Index k = 1; k < 4; ++k)
        if (l.data()[(i * 4 + k) * 9 + pos] > l.data()[(i * 4 + best) * 9 + pos]) best = k;
      REQUIRE(cold.data()[i * 9 + pos] == best);
    }
  CHECK_THROWS_WITH(prior.sample(2, gen, 0.0), "PixelCnnPrior: the sampling temperature must be > 0 (got 0)");
  VqVae model(tiny(), gen);
  CHECK_THROWS_WITH(model.set_prior_temperature(-1), "vq-vae: the sampling temperature must be > 0 (got -1)");
  model.set_prior(std::make_shared<PixelCnnPrior>(model.prior_options(), gen));
  model.set_prior_temperature(0.5);
  core::Generator h(3), i(3);
  CHECK(core::allclose(model.sample(2, h), model.decode_codes(model.prior()->sample(2, i, 0.5)), 0.0, 0.0));
}
