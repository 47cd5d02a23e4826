#include "xgrad/models/common/latents.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::models {

namespace ag = autograd;

namespace {

// (B, ...) -> (B): element-wise log-densities (Normal, Bernoulli) summed per example;
// families that already score one value per example (mixtures) pass through.
Var per_example(const Var& lp) {
  if (lp.dim() == 0) throw core::ShapeError("latents: a log-density without a batch axis");
  if (lp.dim() == 1) return lp;
  return ag::sum(ag::reshape(lp, core::Shape{lp.size(0), lp.numel() / lp.size(0)}), {1});
}

}  // namespace

Var LatentGroup::kl_per_dim() const {
  if (nn::has_closed_form_kl(*q, *p)) {
    const Var kl = nn::kl_divergence(*q, *p);
    if (kl.dim() == 0) throw core::ShapeError(fmt::format("latent group '{}': the KL has no batch axis", name));
    return ag::reshape(kl, core::Shape{kl.size(0), kl.numel() / std::max<Index>(kl.size(0), 1)});
  }
  const Var mc = ag::sub(per_example(q->log_prob(z)), per_example(p->log_prob(z)));
  return ag::reshape(mc, core::Shape{mc.size(0), 1});
}

Var LatentGroup::log_weight() const { return ag::sub(per_example(p->log_prob(z)), per_example(q->log_prob(z))); }

LatentGroup draw_latent(std::string name, DistributionPtr q, DistributionPtr p, core::Generator& gen) {
  Var z = q->rsample(gen);
  return {std::move(name), std::move(q), std::move(p), std::move(z)};
}

Var kl_per_dim(const Latents& latents) {
  if (latents.empty()) throw core::ValueError("kl_per_dim: no latent groups");
  if (latents.size() == 1) return latents.front().kl_per_dim();
  std::vector<Var> parts;
  for (const LatentGroup& g : latents) parts.push_back(g.kl_per_dim());
  return ag::concat(parts, 1);
}

Var latent_log_weight(const Latents& latents) {
  if (latents.empty()) throw core::ValueError("latent_log_weight: no latent groups");
  Var lw = latents.front().log_weight();
  for (std::size_t i = 1; i < latents.size(); ++i) lw = ag::add(lw, latents[i].log_weight());
  return lw;
}

}  // namespace xgrad::models
