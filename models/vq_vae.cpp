#include "xgrad/models/vq_vae.hpp"

#include <fmt/format.h>


#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/models/transformer_code_prior.hpp"
#include "xgrad/nn/nn.hpp"
#include "xgrad/nn/layers/residual.hpp"

namespace xgrad::models {

namespace {

constexpr Index kCodes = VqVae::kGrid * VqVae::kGrid;

std::shared_ptr<nn::Layer> conv(Index in, Index out, Index k, Index stride, Index pad, core::Generator& gen) {
  return nn::make<nn::Conv2d>(
      nn::Conv2dOptions{.in = in, .out = out, .kernel = {k, k}, .stride = {stride, stride}, .padding = {pad, pad}}, gen);
}

std::shared_ptr<nn::Layer> deconv(Index in, Index out, core::Generator& gen) {
  return nn::make<nn::ConvTranspose2d>(
      nn::ConvTranspose2dOptions{.in = in, .out = out, .kernel = {4, 4}, .stride = {2, 2}, .padding = {1, 1}}, gen);
}

std::shared_ptr<nn::Layer> block(const VqVaeOptions& o, core::Generator& gen) {
  return nn::make<nn::ResidualBlock>(nn::ResidualBlockOptions{.channels = o.hidden, .hidden = o.residual_hidden}, gen);
}

/// x (B, 784) or (B, 1, 28, 28) -> (B, 1, 28, 28); ShapeError for other images.
Tensor as_images(const Tensor& x) {
  const Index side = VqVae::kSide;
  if (!x.defined() || x.dim() < 2 || x.numel() != x.size(0) * side * side)
    throw core::ShapeError(fmt::format("vq-vae: inputs of shape {} are not 1x28x28 images",
                                       x.defined() ? x.shape().str() : std::string("(none)")));
  return x.reshape({x.size(0), 1, side, side});
}

}  // namespace

VqVae::VqVae(const VqVaeOptions& o, core::Generator& gen) : options(o) {
  if (o.hidden < 2 || o.hidden % 2 != 0 || o.residual_hidden < 1 || o.restart_every < 0)
    throw core::ValueError(fmt::format("vq-vae: hidden must be even and >= 2, residual_hidden positive, restart_every "
                                       ">= 0 (got {}, {}, {})", o.hidden, o.residual_hidden, o.restart_every));
  const Index h = o.hidden, d = o.quantizer.dim;
  encoder = register_module("encoder", nn::make<nn::Sequential>(conv(1, h / 2, 4, 2, 1, gen), nn::make<nn::ReLU>(),
                                                                conv(h / 2, h, 4, 2, 1, gen), block(o, gen), block(o, gen),
                                                                nn::make<nn::ReLU>(), conv(h, d, 1, 1, 0, gen)));
  quantizer = register_module("quantizer", nn::make<nn::VectorQuantizer>(o.quantizer, gen));
  decoder = register_module("decoder", nn::make<nn::Sequential>(conv(d, h, 3, 1, 1, gen), block(o, gen), block(o, gen),
                                                                nn::make<nn::ReLU>(), deconv(h, h / 2, gen),
                                                                nn::make<nn::ReLU>(), deconv(h / 2, 1, gen)));
  out = register_module("out", nn::make<BernoulliHead>(BernoulliHeadOptions{}, gen));
}

Var VqVae::rows_to_grid(const Var& rows) const {
  const Index d = options.quantizer.dim;
  return autograd::permute(autograd::reshape(rows, {rows.size(0) / kCodes, kGrid, kGrid, d}), {0, 3, 1, 2});
}

VqVae::Pass VqVae::pass(const Batch& batch) {
  const Tensor x = as_images(batch.x);
  const Var rows = encoder->forward_rows(Var(x));  // grid_to_rows(encoder->forward(x)), without the permute
  Pass p{quantizer->forward(rows), {}, rows.value()};
  // decoder->forward(rows_to_grid(z_q)), without the permute
  const Var logits = autograd::flatten(decoder->forward_from_rows(p.q.z_q, kGrid, kGrid), 1);
  p.recon = -nn::sum_event(out->forward(logits).log_prob(Var(x.reshape({x.size(0), kSide * kSide}))), 1);
  return p;
}

StepStats VqVae::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const Pass p = pass(batch);
  // The quantizer's loss is per code; a grid has 49, and the reconstruction is per image.
  const Var recon = autograd::mean(p.recon);
  const Var vq = p.q.loss * static_cast<double>(kCodes);
  const double loss = ctx.minimize(recon + vq);
  if (options.restart_every > 0 && (ctx.step + 1) % options.restart_every == 0)
    quantizer->restart_dead_codes(p.rows, ctx.gen);
  return {.loss = loss, .recon = recon.item(), .kl = 0, .extra = {{"vq_loss", vq.item()}, {"perplexity", p.q.perplexity}}};
}

EvalSums VqVae::evaluate(const Batch& batch, core::Generator&) {
  autograd::NoGradGuard no_grad;
  eval();
  const double recon = autograd::sum(pass(batch).recon).item();
  return {.neg_elbo = recon, .recon = recon, .kl = 0, .count = batch.size()};
}

Tensor VqVae::iwae_log_likelihood(const Batch&, int, core::Generator&) {
  throw core::ValueError("vq-vae has no importance-weighted bound (its posterior is a deterministic code)");
}

IndexTensor VqVae::encode_codes(const Batch& batch) {
  autograd::NoGradGuard no_grad;
  eval();
  const Tensor rows = encoder->forward_rows(Var(as_images(batch.x))).value();
  return quantizer->nearest(rows).reshape({rows.size(0) / kCodes, kCodes});
}

Tensor VqVae::pixel_means(const Var& grid) {
  return out->forward(autograd::flatten(decoder->forward(grid), 1)).mean().value();
}

Tensor VqVae::decode_codes(const IndexTensor& codes) {
  if (codes.dim() != 2 || codes.size(1) != kCodes)
    throw core::ShapeError(fmt::format("vq-vae: code grids of shape {} are not (B, {})", codes.shape().str(), kCodes));
  autograd::NoGradGuard no_grad;
  eval();
  return pixel_means(rows_to_grid(Var(quantizer->lookup(codes))));
}

Tensor VqVae::encode(const Batch& batch) {
  const IndexTensor codes = encode_codes(batch);
  return quantizer->lookup(codes).reshape({codes.size(0), latent_dim()});
}

Tensor VqVae::decode(const Tensor& z, const IndexTensor&) {
  if (z.dim() != 2 || z.size(1) != latent_dim())
    throw core::ShapeError(fmt::format("vq-vae: latents of shape {} are not (B, {})", z.shape().str(), latent_dim()));
  autograd::NoGradGuard no_grad;
  eval();
  return pixel_means(rows_to_grid(Var(z.reshape({z.size(0) * kCodes, options.quantizer.dim}))));
}

Tensor VqVae::sample(Index n, core::Generator& gen, const IndexTensor&) {
  if (!prior_) throw core::ValueError("vq-vae: no prior over the codes is attached (train one first)");
  return decode_codes(prior_->sample(n, gen, prior_temperature_));
}

void VqVae::set_prior_temperature(double temperature) {
  CodePrior::check_temperature(temperature, "vq-vae");
  prior_temperature_ = temperature;
}

PixelCnnPriorOptions VqVae::prior_options() const {
  return {.codes = options.quantizer.codes, .height = kGrid, .width = kGrid, .channels = options.prior_channels,
          .layers = options.prior_layers};
}

std::shared_ptr<CodePrior> VqVae::make_prior(core::Generator& gen) const {
  if (options.prior == "pixelcnn") return std::make_shared<PixelCnnPrior>(prior_options(), gen);
  if (options.prior == "transformer")
    return std::make_shared<TransformerCodePrior>(
        TransformerCodePriorOptions{.codes = options.quantizer.codes, .positions = kCodes, .d_model = options.prior_channels,
                                    .heads = options.prior_heads, .layers = options.prior_layers,
                                    .dropout = static_cast<float>(options.prior_dropout)},
        gen);
  throw core::ValueError(fmt::format("vq-vae: unknown prior '{}' (choose from pixelcnn, transformer)", options.prior));
}

std::string VqVae::describe() const {
  return fmt::format("vq-vae(7x7 grid of {} codes of size {}, hidden {}, {})", options.quantizer.codes,
                     options.quantizer.dim, options.hidden, quantizer->describe());
}

}  // namespace xgrad::models
