// A VAE of one's own on Fashion-MNIST, written against the installed package: a
// deeper tanh encoder and a 2-layer decoder, wired from xgrad's parts (Gaussian
// posterior head, Bernoulli pixels); the base class brings the training step, the
// test ELBO and the IWAE bound, and nn::Trainer the loop, metrics and checkpoints.
//
//   user_vae [--limit N] [--epochs E] [--out DIR] [--data DIR]
//
// Exits 0 when training lowered the test negative ELBO (so it doubles as a check).
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using namespace xgrad;

// ---- the variant: networks and distributions; everything else is inherited ----
class TanhVae : public models::LatentVariableModel {
 public:
  TanhVae(core::Index pixels, core::Index hidden, core::Index latent, core::Generator& gen) : latent_(latent) {
    using nn::MLP, nn::MLPOptions;
    encoder = register_module("encoder", nn::make<MLP>(MLPOptions{.sizes = {pixels, hidden, hidden},
                                                                  .activation = nn::Activation::Tanh,
                                                                  .activate_last = true}, gen));
    q = register_module("q", nn::make<models::GaussianHead>(models::GaussianHeadOptions{.in = hidden, .out = latent}, gen));
    decoder = register_module("decoder", nn::make<MLP>(MLPOptions{.sizes = {latent, hidden, hidden}, .activate_last = true}, gen));
    pixels_head = register_module("pixels", nn::make<models::BernoulliHead>(models::BernoulliHeadOptions{.in = hidden, .out = pixels}, gen));
  }
  std::string kind() const override { return "tanh-vae"; }
  core::Index latent_dim() const override { return latent_; }
  models::DistributionPtr posterior(const nn::Batch& b) override { return models::make_dist((*q)(encoder->forward(nn::Var(b.x)))); }
  std::unique_ptr<nn::Distribution<>> likelihood(const nn::Var& z, const nn::Batch&) override {
    return pixels_head->distribution(decoder->forward(z));
  }

 private:
  std::shared_ptr<nn::MLP> encoder, decoder;
  std::shared_ptr<models::GaussianHead> q;
  std::shared_ptr<models::BernoulliHead> pixels_head;
  core::Index latent_;
};
// ---- end of the variant ----

// Test negative ELBO per image, in nats (one z per image).
double test_neg_elbo(models::GenerativeModel& model, const nn::Dataset& test, core::Generator& gen) {
  autograd::NoGradGuard no_grad;
  models::EvalSums sums;
  for (core::Index start = 0; start < test.size(); start += 500) {
    std::vector<core::Index> rows;
    for (core::Index i = start; i < std::min(test.size(), start + 500); ++i) rows.push_back(i);
    sums += model.evaluate(test.get_batch(rows), gen);
  }
  return sums.neg_elbo / static_cast<double>(sums.count);
}

std::shared_ptr<nn::Dataset> first_rows(std::shared_ptr<nn::Dataset> data, core::Index n) {
  std::vector<core::Index> rows;
  for (core::Index i = 0; i < std::min(n, data->size()); ++i) rows.push_back(i);
  return std::make_shared<nn::Subset>(std::move(data), std::move(rows));
}

int main(int argc, char** argv) {
  core::Index limit = 60000;
  int epochs = 5;
  std::string out = "out/user_vae", data = std::string(nn::FashionMnist::kDefaultDir);
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--limit") limit = std::atol(value.c_str());
    else if (flag == "--epochs") epochs = std::atoi(value.c_str());
    else if (flag == "--out") out = value;
    else if (flag == "--data") data = value;
    else return std::fprintf(stderr, "user_vae: unknown flag %s\n", flag.c_str()), 2;
  }
  auto train = first_rows(std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.dir = data}), limit);
  auto test = first_rows(std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.dir = data, .train = false}), 1000);

  core::Generator gen(1);
  TanhVae model(784, 256, 16, gen);
  const double before = test_neg_elbo(model, *test, gen);
  nn::Trainer trainer(model, gen, train, {.budget = {.epochs = epochs}, .batch_size = 128, .seed = 1,
                                          .optimizer = {.lr = 1e-3}, .eval_every_epoch = true, .dir = out});
  trainer.fit();  // writes OUT/metrics.jsonl and OUT/checkpoint.safetensors
  const double after = test_neg_elbo(model, *test, gen);
  std::printf("tanh-vae: test -ELBO %.2f -> %.2f nats per image after %d epoch(s) on %lld images; run in %s\n",
              before, after, epochs, static_cast<long long>(train->size()), out.c_str());
  return after < before - 50 ? 0 : 1;
}
