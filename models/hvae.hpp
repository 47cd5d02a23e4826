#pragma once
// Hierarchical VAE: the Ladder VAE of Sønderby et al. (2016) on 784 pixels.
//
// Bottom-up, a deterministic ladder d_1 .. d_L (MLPs) gives each layer a Gaussian
// estimate N(mu^_i, s^_i) from the data. Top-down, z_L ~ q(z_L | x) = N(mu^_L, s^_L)
// against p(z_L) = N(0, I); for i < L, p(z_i | z_i+1) is a Gaussian from a small net of
// z_i+1, and q(z_i | z_i+1, x) the precision-weighted merge of it with the bottom-up
// estimate (nn::precision_weighted). p(x | z_1, .., z_L) is Bernoulli, its decoder reading
// every layer's draw (skip connections: upper layers reach x directly, not only through
// z_1, which keeps them in use). The latents are L groups (top first), so the shared
// ELBO, free bits (per
// layer with group-free-bits), KL schedules, IWAE bound and KL per dimension cover every
// layer with no code here.
//
// Codes (encode, decode, sample, traverse): each layer's z_i written in the units of its
// prior, e_i = (z_i - mu_p,i) / sigma_p,i, concatenated top layer first. Under the prior
// the codes are N(0, I) (so `sample` is ancestral sampling), and decode runs the top-down
// path from them, so sweeping a top-layer code moves every layer below it.
#include <string>
#include <utility>
#include <vector>

#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::models {

struct HvaeOptions {
  Index input = 784;                         ///< pixels
  std::vector<Index> hidden{512, 256, 128};  ///< width of each layer's ladder step and prior net, bottom first
  std::vector<Index> latent{32, 16, 8};      ///< z_1 (next to x) .. z_L (top)
  ElboLoss objective{};                      ///< KL warm-up, per-layer free bits
};

class Hvae : public LatentVariableModel {
 public:
  Hvae(const HvaeOptions& options, core::Generator& gen);
  std::string kind() const override { return "hvae"; }
  Index latent_dim() const override;
  /// The groups "zL" .. "z1" with their sizes, in code order.
  std::vector<std::pair<std::string, Index>> latent_layout() const override;

  /// q over the codes e along the path of posterior means: N((mu_q - mu_p) / sigma_p, lv_q - lv_p).
  DistributionPtr posterior(const Batch& batch) override;
  /// One top-down pass with a reparameterised draw at every layer.
  Latents latents(const Batch& batch, core::Generator& gen) override;
  /// p(x | codes): the top-down path from the codes e (B, latent_dim), then the decoder.
  std::unique_ptr<nn::Distribution<>> likelihood(const Var& codes, const Batch& batch) override;
  /// p(x | z_1, .., z_L) for a pass's draws.
  std::unique_ptr<nn::Distribution<>> likelihood_of(const Latents& latents, const Batch& batch) override;
  std::string describe() const override;

  const HvaeOptions options;

 private:
  Index layers() const { return static_cast<Index>(options.latent.size()); }
  /// N(mu^_i, s^_i) of every layer from the data, bottom first.
  std::vector<nn::Normal<>> bottom_up(const Batch& batch) const;
  /// p(z_i | z_i+1) for i < L; N(0, I) for the top layer (n rows).
  nn::Normal<> layer_prior(Index i, const Var& above, Index n) const;
  /// The top-down inference pass; `pick` chooses each layer's z from its q.
  template <class Pick>
  Latents top_down(const Batch& batch, Pick pick);

  std::vector<std::shared_ptr<nn::Layer>> up_;
  std::vector<std::shared_ptr<GaussianHead>> up_head_;
  std::vector<std::shared_ptr<nn::Layer>> down_;  ///< z_i+1 -> features of p(z_i | z_i+1), i < L
  std::vector<std::shared_ptr<GaussianHead>> down_head_;
  std::shared_ptr<nn::Layer> decoder_;  ///< (z_L, .., z_1) concatenated -> logits
  std::shared_ptr<LikelihoodHead> out_;
};

}  // namespace xgrad::models
