#include "xgrad/models/hvae.hpp"

#include <fmt/format.h>

#include <numeric>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/nn/nn.hpp"

namespace xgrad::models {

namespace ag = autograd;

namespace {

std::shared_ptr<nn::Layer> mlp(std::vector<Index> sizes, bool activate_last, core::Generator& gen) {
  return nn::make<nn::MLP>(nn::MLPOptions{.sizes = std::move(sizes), .activate_last = activate_last}, gen);
}

std::shared_ptr<GaussianHead> gaussian(Index in, Index out, core::Generator& gen) {
  return nn::make<GaussianHead>(GaussianHeadOptions{.in = in, .out = out}, gen);
}

void check_options(const HvaeOptions& o) {
  if (o.latent.size() < 2 || o.hidden.size() != o.latent.size())
    throw core::ValueError(fmt::format("hvae: needs at least two layers and one hidden size per layer (got {} latent, {} hidden)",
                                       o.latent.size(), o.hidden.size()));
  for (std::size_t i = 0; i < o.latent.size(); ++i)
    if (o.latent[i] < 1 || o.hidden[i] < 1) throw core::ValueError("hvae: latent and hidden sizes must be positive");
  if (o.input < 1) throw core::ValueError("hvae: input must be positive");
}

/// The code of a draw z in its prior's units: (z - mu_p) / sigma_p.
nn::Normal<> in_prior_units(const nn::Normal<>& q, const nn::Normal<>& p) {
  if (p.is_standard()) return q;
  return nn::Normal<>(ag::mul(ag::sub(q.loc(), p.loc()), ag::exp(ag::mul(p.logvar(), -0.5f))), ag::sub(q.logvar(), p.logvar()));
}

}  // namespace

Hvae::Hvae(const HvaeOptions& o, core::Generator& gen) : options(o) {
  check_options(o);
  const Index L = layers();
  // Registration order is the PyTorch twin's (bench/pytorch/hvae.py): ladder bottom-up,
  // prior nets, decoder.
  for (Index i = 0; i < L; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    auto net = i == 0 ? mlp({o.input, o.hidden[0], o.hidden[0]}, true, gen) : mlp({o.hidden[ui - 1], o.hidden[ui]}, true, gen);
    up_.push_back(register_module(fmt::format("up{}", i + 1), std::move(net)));
    up_head_.push_back(register_module(fmt::format("up{}_head", i + 1), gaussian(o.hidden[ui], o.latent[ui], gen)));
  }
  for (Index i = 0; i + 1 < L; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    down_.push_back(register_module(fmt::format("down{}", i + 1), mlp({o.latent[ui + 1], o.hidden[ui]}, true, gen)));
    down_head_.push_back(register_module(fmt::format("down{}_head", i + 1), gaussian(o.hidden[ui], o.latent[ui], gen)));
  }
  decoder_ = register_module("decoder", mlp({latent_dim(), o.hidden[0], o.hidden[0], o.input}, false, gen));
  out_ = register_module("out", nn::make<BernoulliHead>(BernoulliHeadOptions{}, gen));
  set_objective(o.objective);
}

Index Hvae::latent_dim() const { return std::accumulate(options.latent.begin(), options.latent.end(), Index{0}); }

std::vector<std::pair<std::string, Index>> Hvae::latent_layout() const {
  std::vector<std::pair<std::string, Index>> out;
  for (Index i = layers() - 1; i >= 0; --i) out.emplace_back(fmt::format("z{}", i + 1), options.latent[static_cast<std::size_t>(i)]);
  return out;
}

std::vector<nn::Normal<>> Hvae::bottom_up(const Batch& batch) const {
  std::vector<nn::Normal<>> out;
  Var h = flatten_rows(batch.x);
  for (std::size_t i = 0; i < up_.size(); ++i) {
    h = up_[i]->forward(h);
    out.push_back(up_head_[i]->forward(h));
  }
  return out;
}

nn::Normal<> Hvae::layer_prior(Index i, const Var& above, Index n) const {
  if (i == layers() - 1) return nn::Normal<>::standard(core::Shape{n, options.latent.back()});
  const auto ui = static_cast<std::size_t>(i);
  return down_head_[ui]->forward(down_[ui]->forward(above));
}

template <class Pick>
Latents Hvae::top_down(const Batch& batch, Pick pick) {
  const std::vector<nn::Normal<>> up = bottom_up(batch);
  Latents groups;
  Var above;
  for (Index i = layers() - 1; i >= 0; --i) {
    const auto& estimate = up[static_cast<std::size_t>(i)];
    nn::Normal<> p = layer_prior(i, above, batch.size());
    nn::Normal<> q = p.is_standard() ? estimate : nn::precision_weighted(estimate, p);
    above = pick(q, p);
    groups.push_back({fmt::format("z{}", i + 1), make_dist(std::move(q)), make_dist(std::move(p)), above});
  }
  return groups;
}

Latents Hvae::latents(const Batch& batch, core::Generator& gen) {
  return top_down(batch, [&](const nn::Normal<>& q, const nn::Normal<>&) { return q.rsample(gen); });
}

DistributionPtr Hvae::posterior(const Batch& batch) {
  std::vector<Var> means, logvars;
  top_down(batch, [&](const nn::Normal<>& q, const nn::Normal<>& p) {
    const nn::Normal<> e = in_prior_units(q, p);
    means.push_back(e.mean());
    logvars.push_back(ag::broadcast_to(e.logvar(), e.batch_shape()));
    return q.mean();
  });
  return make_dist(nn::Normal<>(ag::concat(means, 1), ag::concat(logvars, 1)));
}

std::unique_ptr<nn::Distribution<>> Hvae::likelihood(const Var& codes, const Batch&) {
  if (codes.dim() != 2 || codes.size(1) != latent_dim())
    throw core::ShapeError(fmt::format("hvae: codes must be (B, {}), got {}", latent_dim(), codes.shape().str()));
  std::vector<Var> zs;
  Index at = 0;
  for (Index i = layers() - 1; i >= 0; --i) {
    const Index size = options.latent[static_cast<std::size_t>(i)];
    const Var e = ag::narrow(codes, 1, at, size);
    const nn::Normal<> p = layer_prior(i, zs.empty() ? Var() : zs.back(), codes.size(0));
    zs.push_back(p.is_standard() ? e : ag::add(p.mean(), ag::mul(p.stddev(), e)));
    at += size;
  }
  return out_->distribution(decoder_->forward(ag::concat(zs, 1)));
}

std::unique_ptr<nn::Distribution<>> Hvae::likelihood_of(const Latents& latents, const Batch&) {
  std::vector<Var> zs;
  for (const LatentGroup& g : latents) zs.push_back(g.z);
  return out_->distribution(decoder_->forward(ag::concat(zs, 1)));
}

std::string Hvae::describe() const {
  std::string sizes;
  for (Index i = layers() - 1; i >= 0; --i) sizes += fmt::format("{}{}", sizes.empty() ? "" : "-", options.latent[static_cast<std::size_t>(i)]);
  return fmt::format("hvae({} -> ladder of {} layers, z {} top first, {})", options.input, layers(), sizes,
                     objective_.describe());
}

}  // namespace xgrad::models
