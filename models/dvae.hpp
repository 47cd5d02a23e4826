#pragma once
// Denoising VAE ("dvae", Im et al. 2017): the VAE with a corruption q(x~ | x) before the
// encoder. Each training step draws x~ afresh, then z ~ q(z | x~), and scores the
// ELBO on the clean x:  E_q(x~|x) E_q(z|x~) [log p(x | z) + log p(z) - log q(z | x~)],
// the paper's denoising variational lower bound (still a lower bound of log p(x): for
// any x~, q(z | x~) is just another distribution over z). Any ElboLoss or IwaeLoss applies.
// Only training corrupts: evaluate, the IWAE bound, encode and reconstruct take their
// input as given, so the test ELBO is comparable with the VAE's (pass corrupted images
// to restore them).
#include "xgrad/models/vae.hpp"
#include "xgrad/nn/data/corruption.hpp"

namespace xgrad::models {

struct DvaeOptions {
  VaeOptions vae{};
  /// Salt-and-pepper noise, the corruption Im et al. used on (binarised) MNIST.
  nn::Corruption corruption{.kind = nn::Corruption::Kind::SaltPepper, .amount = 0.1};
};

class Dvae : public Vae {
 public:
  Dvae(const DvaeOptions& options, core::Generator& gen) : Vae(options.vae, gen), corruption(options.corruption) {}
  std::string kind() const override { return "dvae"; }
  /// In training: the VAE's latents of the corrupted batch (the likelihood's target
  /// stays the batch's clean x: LatentVariableModel::terms scores target(batch)).
  Latents latents(const Batch& batch, core::Generator& gen) override {
    return is_training() ? Vae::latents(corruption.apply(batch, gen), gen) : Vae::latents(batch, gen);
  }
  std::string describe() const override { return Vae::describe() + ", corruption " + corruption.str(); }

  const nn::Corruption corruption;
};

}  // namespace xgrad::models
