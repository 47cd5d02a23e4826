#include "xgrad/models/aae.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/elbo.hpp"
#include "xgrad/nn/distributions/mixture.hpp"
#include "xgrad/nn/distributions/normal.hpp"
#include "xgrad/nn/layers/dropout.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/train/frozen.hpp"

namespace xgrad::models {

namespace {

std::vector<Index> sizes(Index in, const std::vector<Index>& hidden, Index out) {
  std::vector<Index> s{in};
  s.insert(s.end(), hidden.begin(), hidden.end());
  s.push_back(out);
  return s;
}

// Linear, ReLU[, Dropout], ..., Linear; without dropout exactly the MLP of these sizes.
std::shared_ptr<nn::Sequential> make_discriminator(const std::vector<Index>& s, double dropout, core::Generator& gen) {
  if (dropout == 0) return nn::make<nn::MLP>(nn::MLPOptions{.sizes = s}, gen);
  auto net = nn::make<nn::Sequential>();
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    net->push_back(nn::make<nn::Linear>(nn::LinearOptions{s[i], s[i + 1]}, gen));
    if (i + 2 == s.size()) break;
    net->push_back(nn::make_activation(nn::Activation::ReLU));
    // Its own generator, seeded from the model's: masks are reproducible for a seed.
    net->push_back(nn::make<nn::Dropout>(nn::DropoutOptions{.p = static_cast<float>(dropout), .seed = gen.next_u64()}));
  }
  return net;
}


}  // namespace

Aae::Aae(const AaeOptions& opts, core::Generator& gen)
    : options(opts),
      adversarial_({.real_label = opts.prior_label,
                    .generator_loss = opts.generator_loss,
                    .instance_noise = opts.instance_noise,
                    .instance_noise_floor = opts.instance_noise_floor,
                    .instance_noise_decay_steps = opts.instance_noise_decay_steps}) {
  if (options.input_dim <= 0 || options.latent_dim <= 0 || options.hidden.empty())
    throw core::ValueError("Aae: input_dim, latent_dim and at least one hidden size are needed");
  if (options.prior == AaePrior::Mixture && (options.mixture_components <= 0 || options.mixture_std <= 0))
    throw core::ValueError("Aae: the mixture prior needs mixture_components > 0 and mixture_std > 0");
  if (options.generator_steps < 1 || options.discriminator_steps < 1)
    throw core::ValueError("Aae: generator_steps and discriminator_steps must be >= 1");
  if (!(options.focus_from >= 0 && options.focus_from <= 1 && options.settle_from >= 0 && options.settle_from <= 1) ||
      options.focus_encoder_lr < 0)
    throw core::ValueError("Aae: focus_from and settle_from must be in [0, 1] and focus_encoder_lr >= 0");
  if (options.disc_dropout < 0 || options.disc_dropout >= 1)
    throw core::ValueError("Aae: disc_dropout must be in [0, 1)");
  const Index d = options.latent_dim, h_enc = options.hidden.back(), h_dec = options.hidden.front();
  if (options.encoder == AaeEncoder::Deterministic) {
    encoder = register_module("encoder", nn::make<nn::MLP>(nn::MLPOptions{.sizes = sizes(options.input_dim, options.hidden, d)}, gen));
  } else {
    std::vector<Index> trunk{options.input_dim};
    trunk.insert(trunk.end(), options.hidden.begin(), options.hidden.end());
    encoder = register_module("encoder", nn::make<nn::MLP>(nn::MLPOptions{.sizes = trunk, .activate_last = true}, gen));
    posterior = register_module("posterior", nn::make<GaussianHead>(GaussianHeadOptions{.in = h_enc, .out = d}, gen));
  }
  std::vector<Index> dec{d + options.num_classes};
  dec.insert(dec.end(), options.hidden.rbegin(), options.hidden.rend());
  decoder = register_module("decoder", nn::make<nn::MLP>(nn::MLPOptions{.sizes = dec, .activate_last = true}, gen));
  likelihood = register_module("likelihood",
                               nn::make<BernoulliHead>(BernoulliHeadOptions{.in = h_dec, .out = options.input_dim}, gen));
  discriminator = register_module("discriminator",
                                  make_discriminator(sizes(d, options.disc_hidden, 1), options.disc_dropout, gen));

}

std::vector<nn::OptimizerSpec> Aae::optimizer_specs(const nn::OptimizerOptions& o) {
  recon_lr_ = o.lr;
  // Group 0 the encoder, group 1 the decoder: their reconstruction rates may differ.
  std::vector<Var> decoding = decoder->parameters();
  for (const Var& p : likelihood->parameters()) decoding.push_back(p);
  return {{"recon", {{encoder_parameters(), o.lr}, {std::move(decoding), o.lr}}, o},
          {"disc", {{discriminator->parameters(), options.disc_optim.lr}}, options.disc_optim},
          {"gen", {{encoder_parameters(), options.gen_optim.lr}}, options.gen_optim}};
}

std::vector<Var> Aae::encoder_parameters() const {
  std::vector<Var> ps = encoder->parameters();
  if (posterior)
    for (const Var& p : posterior->parameters()) ps.push_back(p);
  return ps;
}

Var Aae::code(const Var& x, core::Generator& gen) {
  const Var h = encoder->forward(x);
  return posterior ? posterior->forward(h).rsample(gen) : h;
}

nn::Bernoulli<> Aae::decode_dist(const Var& z, const IndexTensor& labels) {
  if (options.num_classes == 0) return likelihood->forward(decoder->forward(z));
  if (!labels.defined() || labels.dim() != 1 || labels.size(0) != z.size(0))
    throw core::ValueError("Aae: the supervised variant needs one label per code (" + std::to_string(z.size(0)) + ")");
  const Var y(core::one_hot<float>(labels, options.num_classes));
  return likelihood->forward(decoder->forward(autograd::concat<float>({z, y}, 1)));
}

Var Aae::recon_nll(const Batch& batch, core::Generator& gen) {
  const Var x(batch.x);
  const nn::Bernoulli<> p = decode_dist(code(x, gen), batch.labels);
  return reconstruction_nll(p, x);
}

StepStats Aae::train_step(const Batch& batch, nn::StepContext& ctx) {
  if (ctx.total_steps > 0) set_progress(ctx.step, ctx.total_steps, ctx.optimizers);
  StepStats stats;
  stats.loss = stats.recon = reconstruction_phase(batch, ctx);
  // The codes are recorded once for both regularisation phases: the discriminator
  // phase does not change the encoder, so phase 3 may backpropagate through them.
  const Var z = code(Var(batch.x), ctx.gen);
  stats.extra["disc_loss"] = discriminator_phase(z, ctx);
  for (int k = 1; k < options.discriminator_steps; ++k) discriminator_phase(z, ctx);
  stats.extra["gen_loss"] = generator_phase(z, ctx);
  for (int k = 1; k < options.generator_steps; ++k) generator_phase(code(Var(batch.x), ctx.gen), ctx);
  return stats;
}

double Aae::reconstruction_phase(const Batch& batch, nn::StepContext& ctx) {
  return ctx.minimize(autograd::mean(recon_nll(batch, ctx.gen)), "recon");
}

double Aae::discriminator_phase(const Var& z, nn::StepContext& ctx) {
  const Var prior(sample_prior(z.size(0), ctx.gen));
  return ctx.minimize(adversarial_.critic_loss(*discriminator, prior, z, ctx.step, ctx.gen), "disc");
}

double Aae::generator_phase(const Var& z, nn::StepContext& ctx) {
  const nn::FrozenParameters frozen(*discriminator);
  return ctx.minimize(adversarial_.generator_loss(*discriminator, z, ctx.step, ctx.gen), "gen");
}

double Aae::instance_noise_std(std::int64_t step) const { return adversarial_.noise_std(step); }

void Aae::set_progress(Index step, Index total_steps, nn::Optimizers& optimizers) const {
  if (total_steps <= 0 || step < 0)
    throw core::ValueError("Aae::set_progress: need step >= 0 and total_steps > 0, got " + std::to_string(step) + " of " +
                           std::to_string(total_steps));
  const double t = static_cast<double>(step) / static_cast<double>(total_steps);
  const double scale = t >= options.settle_from ? 0.1 : 1.0;
  auto& groups = optimizers.at("recon").groups();  // 0: encoder, 1: decoder
  groups[0].lr = scale * (t >= options.focus_from ? options.focus_encoder_lr : recon_lr_);
  groups[1].lr = scale * recon_lr_;
  optimizers.at("disc").set_lr(scale * options.disc_optim.lr);
  optimizers.at("gen").set_lr(scale * options.gen_optim.lr);
}

EvalSums Aae::evaluate(const Batch& batch, core::Generator& gen) {
  const autograd::NoGradGuard no_grad;
  EvalSums sums;
  sums.recon = sums.neg_elbo = autograd::sum(recon_nll(batch, gen)).item();
  sums.count = batch.x.size(0);
  return sums;
}

Tensor Aae::iwae_log_likelihood(const Batch&, int, core::Generator&) {
  throw core::Error(
      "Aae: no importance-weighted log-likelihood: the adversarial autoencoder matches q(z) to the prior "
      "through a discriminator, so it has no proposal density paired with a likelihood (and a deterministic "
      "encoder has no density at all); compare its reconstruction error instead");
}

Tensor Aae::encode(const Batch& batch) {
  const autograd::NoGradGuard no_grad;
  const Var h = encoder->forward(Var(batch.x));
  return posterior ? posterior->forward(h).loc().value() : h.value();
}

Tensor Aae::decode(const Tensor& z, const IndexTensor& labels) {
  const autograd::NoGradGuard no_grad;
  return decode_dist(Var(z), labels).mean().value();
}

Tensor Aae::sample(Index n, core::Generator& gen, const IndexTensor& labels) {
  return decode(sample_prior(n, gen), labels);
}

Tensor Aae::sample_prior(Index n, core::Generator& gen) const {
  const Index d = options.latent_dim;
  if (options.prior == AaePrior::StandardNormal) return nn::Normal<float>::standard(core::Shape{n, d}).sample(gen);
  const Index k = options.mixture_components;
  Tensor means = Tensor::zeros(core::Shape{k, d});
  for (Index c = 0; c < k; ++c) {
    const double angle = 2 * std::numbers::pi * static_cast<double>(c) / static_cast<double>(k);
    means.at({c, 0}) = static_cast<float>(options.mixture_radius * std::cos(angle));
    if (d > 1) means.at({c, 1}) = static_cast<float>(options.mixture_radius * std::sin(angle));
  }
  const float logvar = static_cast<float>(2 * std::log(options.mixture_std));
  // Equal weights; logits of shape (n, K) make the batch n mixtures to draw from.
  const nn::MixtureOfGaussians<float> prior(Var(Tensor::zeros(core::Shape{n, k})), Var(std::move(means)),
                                            Var(Tensor::full(core::Shape{k, d}, logvar)));
  return prior.sample(gen);
}

}  // namespace xgrad::models
