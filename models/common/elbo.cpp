#include "xgrad/models/common/elbo.hpp"

#include <fmt/format.h>

#include <limits>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::models {

namespace {

double sum_value(const Var& x) {
  double s = 0;
  for (float v : x.value()) s += v;
  return s;
}

// (B, ...) -> (B, Z); a (B) KL (e.g. Categorical's) becomes (B, 1).
Var per_dim(const Var& x) {
  if (x.dim() == 0) throw core::ShapeError("elbo: the KL has no batch axis");
  return autograd::reshape(x, core::Shape{x.size(0), x.numel() / std::max<Index>(x.size(0), 1)});
}

}  // namespace

std::string ElboObjective::str() const {
  switch (kind) {
    case Kind::Elbo:
      return fmt::format("elbo(beta={})", kl_weight);
    case Kind::FreeBits:
      return fmt::format("free-bits(lambda={}, beta={})", free_bits, kl_weight);
    case Kind::Capacity:
      return fmt::format("capacity(gamma={}, C={})", gamma, capacity);
    case Kind::GroupFreeBits:
      return fmt::format("group-free-bits(lambda={}, beta={})", free_bits, kl_weight);
  }
  return "?";
}

Var match_event_shape(const nn::Distribution<>& likelihood, const Var& x) {
  // Categorical and mixtures score one value per batch element (indices, vectors): not element-wise.
  if (likelihood.name() == "Categorical" || likelihood.name() == "MixtureOfGaussians") return x;
  const core::Shape want = likelihood.batch_shape();
  return x.shape() != want && x.numel() == want.numel() ? autograd::reshape(x, want) : x;
}

Var sum_per_step(const Var& x) {
  if (x.dim() <= 2) return x;
  return autograd::sum(autograd::reshape(x, {x.size(0), x.size(1), x.numel() / (x.size(0) * x.size(1))}), {2});
}

Var sum_except_batch(const Var& x) { return nn::sum_rows(x); }

Var reconstruction_nll(const nn::Distribution<>& likelihood, const Var& x) {
  return -likelihood.log_prob_rows(match_event_shape(likelihood, x));
}

Var ElboTerms::elbo() const { return recon_log_lik - kl; }
double ElboTerms::recon_sum() const { return -sum_value(recon_log_lik); }
double ElboTerms::kl_sum() const { return sum_value(kl); }

StepStats ElboTerms::step_stats() const {
  return StepStats{.loss = loss_value(), .recon = recon_mean(), .kl = kl_mean(), .extra = {}};
}

EvalSums ElboTerms::eval_sums() const {
  return EvalSums{.neg_elbo = neg_elbo_sum(), .recon = recon_sum(), .kl = kl_sum(), .count = batch_size()};
}

namespace {

/// sum_g max(lambda, mean_b kl_g) over the groups' (B) KLs.
Var floored_group_kl(const std::vector<std::pair<std::string, Var>>& groups, double lambda) {
  Var total;
  for (const auto& [name, kl] : groups) {
    const Var g = autograd::clamp(autograd::mean(kl), static_cast<float>(lambda), std::numeric_limits<float>::max());
    total = total.defined() ? total + g : g;
  }
  return total;
}

/// The terms from the likelihood, the KL per example and dimension (B, Z) and the groups'
/// KLs (B) (empty: one group "z", the whole KL).
ElboTerms elbo_from(const nn::Distribution<>& likelihood, const Var& x, Var kl_per_dim, const ElboObjective& objective,
                    std::vector<std::pair<std::string, Var>> groups = {}) {
  const Var target = match_event_shape(likelihood, x);

  ElboTerms t;
  t.objective = objective;
  t.recon_log_lik = likelihood.log_prob_rows(target);
  t.kl_per_dim = std::move(kl_per_dim);
  t.kl = autograd::sum(t.kl_per_dim, {1});
  t.kl_per_group = groups.empty() ? decltype(groups){{"z", t.kl}} : std::move(groups);
  if (t.recon_log_lik.dim() != 1 || t.recon_log_lik.size(0) != t.kl.size(0))
    throw core::ShapeError(fmt::format("elbo: log-likelihood per example {} and KL per example {} disagree",
                                       t.recon_log_lik.shape().str(), t.kl.shape().str()));

  const Var nll = -autograd::mean(t.recon_log_lik);
  const auto w = static_cast<float>(objective.kl_weight);
  switch (objective.kind) {
    case ElboObjective::Kind::Elbo:
      t.loss = w == 1.f ? autograd::mean(t.kl - t.recon_log_lik) : autograd::mean(t.kl * w - t.recon_log_lik);
      break;
    case ElboObjective::Kind::FreeBits: {
      const Var floored = autograd::clamp(autograd::mean(t.kl_per_dim, {0}), static_cast<float>(objective.free_bits),
                                          std::numeric_limits<float>::max());
      t.loss = nll + autograd::sum(floored) * w;
      break;
    }
    case ElboObjective::Kind::Capacity:
      t.loss = nll + autograd::abs(autograd::mean(t.kl) - static_cast<float>(objective.capacity)) *
                         static_cast<float>(objective.gamma);
      break;
    case ElboObjective::Kind::GroupFreeBits:
      t.loss = nll + floored_group_kl(t.kl_per_group, objective.free_bits) * w;
      break;
  }
  return t;
}

}  // namespace

ElboTerms elbo(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
               const nn::Distribution<>& p, const ElboObjective& objective) {
  return elbo_from(likelihood, x, per_dim(nn::kl_divergence(q, p)), objective);
}

ElboTerms elbo(const nn::Distribution<>& likelihood, const Var& x, const Latents& latents,
               const ElboObjective& objective) {
  if (latents.size() == 1) {  // the one-group case keeps the plain ELBO's graph
    ElboTerms t = elbo_from(likelihood, x, latents.front().kl_per_dim(), objective);
    t.kl_per_group.front().first = latents.front().name;
    return t;
  }
  std::vector<Var> parts;
  std::vector<std::pair<std::string, Var>> groups;
  for (const LatentGroup& g : latents) {
    parts.push_back(g.kl_per_dim());
    groups.emplace_back(g.name, autograd::sum(parts.back(), {1}));
  }
  return elbo_from(likelihood, x, autograd::concat(parts, 1), objective, std::move(groups));
}

ElboTerms masked_elbo(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                      const nn::Distribution<>& p, const Tensor& mask, const ElboObjective& objective) {
  if (!mask.defined()) return elbo(likelihood, x, q, p, objective);
  if (objective.kind != ElboObjective::Kind::Elbo)
    throw core::ValueError("masked_elbo: padded batches support the plain ELBO objective only, not " + objective.str());
  const Var m(mask);
  ElboTerms t;
  t.objective = objective;
  t.recon_log_lik = sum_except_batch(sum_per_step(likelihood.log_prob(match_event_shape(likelihood, x))) * m);
  const Var kl = nn::kl_divergence(q, p) * autograd::unsqueeze(m, 2);  // (B, L, Z)
  t.kl_per_dim = autograd::reshape(kl, {kl.size(0), kl.numel() / kl.size(0)});
  t.kl = autograd::sum(t.kl_per_dim, {1});
  t.loss = autograd::mean(t.kl * static_cast<float>(objective.kl_weight) - t.recon_log_lik);
  t.kl_per_group = {{"z", t.kl}};
  return t;
}

Var masked_log_weight(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                      const nn::Distribution<>& p, const Var& z, const Tensor& mask) {
  Var lw = sum_per_step(likelihood.log_prob(match_event_shape(likelihood, x))) +
           nn::sum_event(p.log_prob(z) - q.log_prob(z), 1);  // (B, L)
  if (mask.defined()) lw = lw * Var(mask);
  return autograd::sum(lw, {1});
}

ElboTerms elbo(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
               const nn::Distribution<>& p, double kl_weight) {
  return elbo(likelihood, x, q, p, ElboObjective::elbo(kl_weight));
}

ElboTerms elbo_free_bits(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                         const nn::Distribution<>& p, double lambda, double kl_weight) {
  return elbo(likelihood, x, q, p, ElboObjective::with_free_bits(lambda, kl_weight));
}

ElboTerms elbo_capacity(const nn::Distribution<>& likelihood, const Var& x, const nn::Distribution<>& q,
                        const nn::Distribution<>& p, double gamma, double capacity) {
  return elbo(likelihood, x, q, p, ElboObjective::with_capacity(gamma, capacity));
}

}  // namespace xgrad::models
