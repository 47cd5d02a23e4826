#include "xgrad/models/vae.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xgrad/nn/nn.hpp"

namespace xgrad::models {

namespace {

std::shared_ptr<nn::Layer> mlp(std::vector<Index> sizes, bool activate_last, core::Generator& gen) {
  return nn::make<nn::MLP>(nn::MLPOptions{.sizes = std::move(sizes), .activate_last = activate_last}, gen);
}

VaeNetworks conv_networks(const VaeOptions& o, Index in, Index latent_in, core::Generator& gen) {
  const Index c = o.channels;
  const auto side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(o.input) / static_cast<double>(std::max<Index>(c, 1)))));
  if (c < 1 || c * side * side != o.input || side % 4 != 0)
    throw core::ValueError(fmt::format("conv-vae: input {} is not {} channel(s) of a square image with a side divisible by 4",
                                       o.input, c));
  if (in != o.input)
    throw core::ValueError("conv-vae: the convolutional encoder takes images only (no extra inputs)");
  const Index q = side / 4, flat = 64 * q * q, hidden = o.hidden.at(0);
  auto conv = [&](Index ci, Index co) {
    return nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = ci, .out = co, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  };
  auto deconv = [&](Index ci, Index co) {
    return nn::make<nn::ConvTranspose2d>(
        nn::ConvTranspose2dOptions{.in = ci, .out = co, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
  };
  auto linear = [&](Index i, Index out) { return nn::make<nn::Linear>(nn::LinearOptions{.in = i, .out = out}, gen); };
  VaeNetworks n;
  n.encoder = nn::make<nn::Sequential>(nn::make<nn::Unflatten>(nn::UnflattenOptions{.axis = 1, .sizes = {c, side, side}}),
                                       conv(c, 32), nn::make<nn::ReLU>(), conv(32, 64), nn::make<nn::ReLU>(),
                                       nn::make<nn::Flatten>(), linear(flat, hidden), nn::make<nn::ReLU>());
  n.features = hidden;
  n.decoder = nn::make<nn::Sequential>(linear(latent_in, hidden), nn::make<nn::ReLU>(), linear(hidden, flat),
                                       nn::make<nn::ReLU>(),
                                       nn::make<nn::Unflatten>(nn::UnflattenOptions{.axis = 1, .sizes = {64, q, q}}),
                                       deconv(64, 32), nn::make<nn::ReLU>(), deconv(32, c), nn::make<nn::Flatten>());
  return n;
}

}  // namespace

VaeNetworks make_vae_networks(const VaeOptions& o, Index in, Index latent_in, core::Generator& gen) {
  if (o.hidden.empty() || o.latent < 1 || o.input < 1)
    throw core::ValueError(fmt::format("VAE: needs input, latent >= 1 and at least one hidden size (got {}, {}, {})",
                                       o.input, o.latent, o.hidden.size()));
  if (o.arch == VaeOptions::Arch::Conv) return conv_networks(o, in, latent_in, gen);
  std::vector<Index> enc{in}, dec{latent_in};
  enc.insert(enc.end(), o.hidden.begin(), o.hidden.end());
  dec.insert(dec.end(), o.hidden.rbegin(), o.hidden.rend());
  dec.push_back(o.input);
  return {mlp(enc, true, gen), o.hidden.back(), mlp(dec, false, gen)};
}

Var flatten_rows(const Tensor& x) {
  if (!x.defined() || x.dim() < 1) throw core::ValueError("the batch has no inputs x");
  return Var(x.dim() == 2 ? x : x.reshape(core::Shape{x.size(0), -1}));
}

VaeParts make_vae_parts(const VaeOptions& options, core::Generator& gen) {
  VaeNetworks nets = make_vae_networks(options, options.input, options.latent, gen);
  auto head = nn::make<GaussianHead>(GaussianHeadOptions{.in = nets.features, .out = options.latent}, gen);
  std::shared_ptr<LikelihoodHead> likelihood;
  if (options.likelihood == VaeOptions::Likelihood::Gaussian)
    likelihood = nn::make<GaussianLikelihoodHead>(GaussianLikelihoodHeadOptions{.in = options.input, .out = options.input}, gen);
  else
    likelihood = nn::make<BernoulliHead>(BernoulliHeadOptions{}, gen);
  return {nets.encoder, std::move(head), nets.decoder, std::move(likelihood)};
}

Vae::Vae(const VaeOptions& options, VaeParts parts) : options(options) {
  if (!parts.encoder || !parts.head || !parts.decoder || !parts.likelihood)
    throw core::ValueError("Vae: every part (encoder, head, decoder, likelihood) must be given");
  encoder = register_module("encoder", std::move(parts.encoder));
  head = register_module("head", std::move(parts.head));
  decoder = register_module("decoder", std::move(parts.decoder));
  out = register_module("out", std::move(parts.likelihood));
  set_objective(options.objective);
}

DistributionPtr Vae::posterior(const Batch& batch) {
  return make_dist(head->forward(encoder->forward(flatten_rows(batch.x))));
}

std::unique_ptr<nn::Distribution<>> Vae::likelihood(const Var& z, const Batch&) {
  return out->distribution(decoder->forward(z));
}

std::string Vae::describe() const {
  return fmt::format("{}({} -> {} latent, {})", kind(), options.input, options.latent, objective_.describe());
}

}  // namespace xgrad::models
