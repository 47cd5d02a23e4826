// The AAE "done when", measured (hidden: "[.][experiment]", not run in CI):
// after training on all of Fashion-MNIST with the standard Gaussian prior, the codes
// of the 10000 test images match N(0, I): |mean| <= 0.1 per dimension,
// ||cov - I||_F <= 0.2, and a fresh discriminator scores <= 65 % on held-out halves.
//   ./build/bin/xgrad_tests_models "[aae-experiment]"
// The defaults are AaeOptions' (those of `xgrad train --model aae`); environment
// variables vary them for the search recorded in docs/results/models-experiments.md:
//   AAE_EPOCHS (default 10), AAE_ENCODER=deterministic|gaussian, AAE_RECON_LR,
//   AAE_DISC_LR, AAE_GEN_LR, AAE_GEN_STEPS, AAE_DISC_STEPS, AAE_SEED (0), AAE_THREADS (1),
//   AAE_LATENT (8), AAE_FOCUS_FROM, AAE_FOCUS_ENC_LR, AAE_SETTLE_FROM (the two-stage rates,
//   AaeOptions; 1 turns a stage off), AAE_DECAY_LAST=k (settle for the last k epochs),
//   AAE_TRACE=1 (the test-code statistics after every epoch, not only the last),
//   AAE_NOISE=sigma0 (instance noise decaying linearly over all epochs to AAE_NOISE_FLOOR, 0),
//   AAE_GEN_LOSS=minimax|logit (AaeGeneratorLoss; default the non-saturating -log D), AAE_DUMP=path (the final codes as text rows), AAE_PRIOR_LABEL (one-sided label smoothing,
//   e.g. 0.9), AAE_DISC_HIDDEN=w (the discriminator's two hidden layers' width), AAE_DISC_DROPOUT=p.
// For the Gaussian encoder "codes" are draws z ~ q(z | x) (the aggregate posterior the
// prior is matched to); the posterior means are reported too.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"

using namespace xgrad;
using core::Index;

namespace {

double env_or(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}

struct Match {
  double max_abs_mean, cov_dist, fresh_acc;
};

Match prior_match(const nn::Tensor& codes, models::Aae& model, core::Generator& gen) {
  const models::CodeMoments m = models::code_moments(codes);
  double max_abs = 0;
  for (float v : m.mean) max_abs = std::max(max_abs, static_cast<double>(std::abs(v)));
  const double acc = models::fresh_discriminator_accuracy(codes, model.sample_prior(codes.size(0), gen), gen);
  return {max_abs, models::distance_from_identity(m.cov), acc};
}

void print(const char* what, const Match& r) {
  std::printf("%s: max|mean| %.3f  ||cov - I||_F %.3f  fresh discriminator %.1f %%\n", what, r.max_abs_mean,
              r.cov_dist, 100 * r.fresh_acc);
}

}  // namespace

TEST_CASE("AAE codes of test images match the Gaussian prior after training", "[.][experiment][aae-experiment]") {
  core::set_num_threads(static_cast<int>(env_or("AAE_THREADS", 1)));
  const int epochs = static_cast<int>(env_or("AAE_EPOCHS", 10));
  const auto train_set = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.train = true});
  const nn::FashionMnist test_set(nn::FashionMnistOptions{.train = false});
  const auto seed = static_cast<std::uint64_t>(env_or("AAE_SEED", 0));
  core::Generator gen(seed);
  models::AaeOptions o;
  if (const char* e = std::getenv("AAE_ENCODER"))
    o.encoder = std::string(e) == "gaussian" ? models::AaeEncoder::Gaussian : models::AaeEncoder::Deterministic;
  o.latent_dim = static_cast<Index>(env_or("AAE_LATENT", static_cast<double>(o.latent_dim)));
  nn::OptimizerOptions recon_optim;  // the reconstruction phase's (the run's optimizer options)
  recon_optim.lr = env_or("AAE_RECON_LR", recon_optim.lr);
  o.disc_optim.lr = env_or("AAE_DISC_LR", o.disc_optim.lr);
  o.gen_optim.lr = env_or("AAE_GEN_LR", o.gen_optim.lr);
  o.generator_steps = static_cast<int>(env_or("AAE_GEN_STEPS", o.generator_steps));
  o.discriminator_steps = static_cast<int>(env_or("AAE_DISC_STEPS", o.discriminator_steps));
  o.focus_from = env_or("AAE_FOCUS_FROM", o.focus_from);
  o.focus_encoder_lr = env_or("AAE_FOCUS_ENC_LR", o.focus_encoder_lr);
  o.settle_from = env_or("AAE_SETTLE_FROM", o.settle_from);
  if (const char* g = std::getenv("AAE_GEN_LOSS"))
    o.generator_loss = std::string(g) == "minimax" ? models::AaeGeneratorLoss::Minimax
                       : std::string(g) == "logit" ? models::AaeGeneratorLoss::Logit
                                                   : models::AaeGeneratorLoss::NonSaturating;
  if (const double k = env_or("AAE_DECAY_LAST", 0); k > 0) o.settle_from = (epochs - k) / epochs;
  std::printf("discriminator steps %d, focus from %g (encoder's reconstruction lr %g), settle from %g\n",
              o.discriminator_steps, o.focus_from, o.focus_encoder_lr, o.settle_from);
  constexpr Index batches_per_epoch = (60000 + 127) / 128;
  o.instance_noise = env_or("AAE_NOISE", o.instance_noise);
  o.instance_noise_floor = env_or("AAE_NOISE_FLOOR", o.instance_noise_floor);
  o.instance_noise_decay_steps = epochs * batches_per_epoch;
  o.prior_label = env_or("AAE_PRIOR_LABEL", o.prior_label);
  o.disc_dropout = env_or("AAE_DISC_DROPOUT", o.disc_dropout);
  if (const double w = env_or("AAE_DISC_HIDDEN", 0); w > 0)
    o.disc_hidden = {static_cast<Index>(w), static_cast<Index>(w)};
  std::printf("instance noise %g -> %g, prior label %g, discriminator hidden %lld x %zu, dropout %g\n",
              o.instance_noise, o.instance_noise_floor, o.prior_label, static_cast<long long>(o.disc_hidden.front()),
              o.disc_hidden.size(), o.disc_dropout);
  std::printf("encoder %s, latent %lld, lr recon %g disc %g gen %g, generator steps %d, %d epochs, seed %llu\n",
              o.encoder == models::AaeEncoder::Gaussian ? "gaussian" : "deterministic",
              static_cast<long long>(o.latent_dim), recon_optim.lr,
              o.disc_optim.lr, o.gen_optim.lr, o.generator_steps, epochs, static_cast<unsigned long long>(seed));
  models::Aae model(o, gen);
  // With the run's total the stepper sets the two-stage rates before every step.
  models::Stepper stepper(model, gen, recon_optim, epochs * batches_per_epoch);
  nn::DataLoader loader(train_set, {.batch_size = 128, .seed = seed});
  const bool trace = env_or("AAE_TRACE", 0) != 0;
  nn::Batch test;
  test.x = test_set.x();
  test.labels = test_set.labels();
  for (int e = 0; e < epochs; ++e) {
    double recon = 0, disc = 0, gl = 0;
    int steps = 0;
    for (const nn::Batch& b : loader) {
      const auto st = stepper.step(b);
      recon += st.recon, disc += st.extra.at("disc_loss"), gl += st.extra.at("gen_loss"), ++steps;
    }
    std::printf("epoch %d: recon %.2f  disc %.4f  gen %.4f  noise %.3f\n", e + 1, recon / steps, disc / steps,
                gl / steps, model.instance_noise_std(stepper.steps()));
    if (trace && e + 1 < epochs) print("  test codes", prior_match(model.encode(test), model, gen));
    std::fflush(stdout);
  }
  const models::EvalSums sums = model.evaluate(test, gen);
  std::printf("test recon (BCE nats per image) %.2f\n", sums.recon / static_cast<double>(sums.count));
  nn::Tensor codes = model.encode(test);
  if (o.encoder == models::AaeEncoder::Gaussian) {
    print("posterior means", prior_match(codes, model, gen));
    const autograd::NoGradGuard no_grad;
    codes = model.code(nn::Var(test.x), gen).value();
  }
  if (const char* path = std::getenv("AAE_DUMP")) {  // the codes as text rows, for offline analysis
    std::FILE* f = std::fopen(path, "w");
    REQUIRE(f != nullptr);
    const Index d = codes.size(1);
    for (Index i = 0; i < codes.numel(); ++i) std::fprintf(f, "%.6g%c", codes.data()[i], (i + 1) % d ? ' ' : '\n');
    std::fclose(f);
  }
  const Match r = prior_match(codes, model, gen);
  print("codes", r);
  std::ostringstream mean;
  mean << models::code_moments(codes).mean;
  std::printf("code mean %s\n", mean.str().c_str());
  CHECK(r.max_abs_mean <= 0.1);
  CHECK(r.cov_dist <= 0.2);
  CHECK(r.fresh_acc <= 0.65);
}
