// Measured once, not run by default (hidden tag): the MLP VAE for 10 epochs on
// Fashion-MNIST, as bench/pytorch/vae.py --train does; figures go to docs/results/models-experiments.md.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "models_util.hpp"
#include "xgrad/models/vae.hpp"

using namespace xgrad;
using namespace xgrad::models;

TEST_CASE("ten epochs of the MLP VAE on Fashion-MNIST", "[.][experiment]") {
  const char* env = std::getenv("XGRAD_EPOCHS");
  const int epochs = env ? std::atoi(env) : 10;
  const nn::FashionMnist train_set(nn::FashionMnistOptions{.train = true});
  const nn::Batch test = testing::fashion(10000);
  core::Generator gen(0);
  Vae vae(VaeOptions{}, gen);
  Stepper stepper(vae, gen);
  for (int e = 1; e <= epochs; ++e) {
    const core::IndexTensor perm = core::permutation(train_set.size(), gen);
    for (Index s = 0; s < train_set.size(); s += 128) {
      std::vector<Index> idx(perm.data() + s, perm.data() + std::min(s + 128, train_set.size()));
      stepper.step(train_set.get_batch(idx));
    }
    EvalSums sums;
    for (Index s = 0; s < 10000; s += 1000) sums += vae.evaluate(testing::rows(test, s, 1000), gen);
    std::printf("epoch %d test_neg_elbo %.2f\n", e, sums.neg_elbo / sums.count);
    std::fflush(stdout);
  }
  const nn::Tensor ll = vae.iwae_log_likelihood(testing::rows(test, 0, 1000), 1000, gen);
  double s = 0;
  for (float v : ll) s += v;
  std::printf("iwae_k1000_first1000 %.2f\n", s / 1000);
  CHECK(std::isfinite(s));
}
