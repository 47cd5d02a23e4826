#pragma once
// Latent variables of any family and number. A model's latents for a batch are a
// list of groups — one for the VAE, one per layer for a hierarchical model — each
// with its posterior q, its prior p (both any nn::Distribution) and the draw z ~ q.
// The ELBO, the importance weights, the KL per dimension and free bits read them
// the same way whatever the families: the KL is analytic where a closed form
// exists and the one-sample Monte-Carlo estimate log q(z) - log p(z) otherwise.
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/distributions/distributions.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::models {

using nn::Index;
using nn::Var;

/// A distribution held by the groups that read it (distributions are cheap handles).
using DistributionPtr = std::shared_ptr<const nn::Distribution<>>;

struct LatentGroup {
  std::string name;  ///< "z", or "z1", "z2", ... for several
  DistributionPtr q;
  DistributionPtr p;
  Var z;  ///< the draw from q the likelihood (and the Monte-Carlo KL) use

  /// (B, Z) KL(q || p) per example and latent dimension: analytic where a closed form
  /// exists; else log q(z) - log p(z) at this group's z, per example (B, 1).
  Var kl_per_dim() const;
  /// (B) log p(z) - log q(z): this group's part of an importance weight.
  Var log_weight() const;
};

using Latents = std::vector<LatentGroup>;

/// A group whose z is a reparameterised draw from q (nn::Distribution::rsample).
LatentGroup draw_latent(std::string name, DistributionPtr q, DistributionPtr p, core::Generator& gen);
/// A distribution held by pointer: make_dist(nn::Normal<>(...)).
template <class D>
DistributionPtr make_dist(D d) {
  return std::make_shared<const D>(std::move(d));
}

/// (B, sum of Z) every group's KL per dimension, side by side in group order.
Var kl_per_dim(const Latents& latents);
/// (B) the sum of the groups' log weights.
Var latent_log_weight(const Latents& latents);

}  // namespace xgrad::models
