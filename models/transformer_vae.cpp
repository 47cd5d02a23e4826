#include "xgrad/models/transformer_vae.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/masked_steps.hpp"

namespace xgrad::models {

namespace ag = autograd;

namespace {

/// `x` itself when it is a series (n, P >= 1, d), any n when n < 0.
const Tensor& series_of(const Tensor& x, Index n, Index d, const char* what) {
  if (x.dim() == 3 && (n < 0 || x.size(0) == n) && x.size(1) >= 1 && x.size(2) == d) return x;
  throw core::ShapeError(fmt::format("transformer-vae: {} must be ({}, P >= 1, {}), got {}", what,
                                     n < 0 ? std::string("n") : std::to_string(n), d, x.shape().str()));
}

/// The last `count` steps of batch-major values (B, T[, D]).
Tensor last_steps(const Tensor& values, Index count) {
  const Index n = std::min(count, values.size(1));
  return core::narrow(values, 1, values.size(1) - n, n);
}

}  // namespace

TransformerVae::TransformerVae(const TransformerVaeOptions& o, core::Generator& gen) : options(o) {
  if (o.latent < 1) throw core::ValueError("TransformerVae: latent must be >= 1");
  const CausalDecoderOptions& d = o.decoder;
  enc_embed_ = register_module("enc_embed", nn::make<ValueEmbedding>(d, gen));
  enc_positions_ = register_module("enc_positions", nn::make<nn::LearnedPositionalEncoding>(d.d_model, d.context, gen));
  for (Index i = 0; i < d.layers; ++i)
    enc_layers_.push_back(register_module(fmt::format("enc_layer{}", i), nn::make<nn::TransformerEncoderLayer>(transformer_layer(d), gen)));
  enc_norm_ = register_module("enc_norm", nn::make<nn::LayerNorm>(nn::LayerNormOptions{{d.d_model}}));
  enc_head_ = register_module("enc_head", nn::make<GaussianHead>(GaussianHeadOptions{.in = d.d_model, .out = o.latent}, gen));
  z_proj_ = register_module("z_proj", nn::make<nn::Linear>(o.latent, d.d_model, gen));
  decoder_ = register_module("decoder", nn::make<CausalDecoder>(d, nullptr, gen));
}

std::string TransformerVae::describe() const {
  return fmt::format("TransformerVae({}, d={}, heads={}, layers={}, z={}, z enters by {})",
                     decoder_->text() ? "text" : "series", options.decoder.d_model, options.decoder.heads,
                     options.decoder.layers, options.latent, options.z_input == LatentInput::Add ? "add" : "prefix");
}

SequenceInput TransformerVae::read(const Batch& batch) const {
  SequenceInput in = SequenceInput::from_batch(batch, options.decoder);
  require_real_steps(in, "transformer-vae");
  return in;
}

nn::Normal<> TransformerVae::encode_values(const Tensor& values, const Tensor& mask) const {
  Var x = enc_positions_->forward(enc_embed_->forward(values));
  nn::Masks masks;
  if (mask.defined()) masks.key_padding = core::sub(Tensor::ones(mask.shape()), mask);  // nonzero: masked out
  for (const auto& layer : enc_layers_) x = layer->forward(x, masks);
  const Var h = enc_norm_->forward(x);
  if (!mask.defined()) return enc_head_->forward(ag::mean(h, {1}));  // one code for the whole sequence
  const Var m(core::unsqueeze(mask, 2));                                // the mean over the real steps
  return enc_head_->forward(ag::div(ag::sum(ag::mul(h, m), {1}), ag::sum(m, {1})));
}

DistributionPtr TransformerVae::posterior(const Batch& batch) {
  const SequenceInput in = read(batch);
  return make_dist(encode_values(in.target, in.mask));
}

std::pair<Var, Var> TransformerVae::conditioning(const Var& z) const {
  const Var code = z_proj_->forward(z);
  return options.z_input == LatentInput::Prefix ? std::pair<Var, Var>{code, Var()} : std::pair<Var, Var>{Var(), code};
}

std::unique_ptr<nn::Distribution<>> TransformerVae::likelihood(const Var& z, const Batch& batch) {
  const auto [first, added] = conditioning(z);
  const SequenceInput in = read(batch);
  return mask_steps(decoder_->likelihood(decoder_->features(in.target, first, added, in.mask)), in.mask);
}

Tensor TransformerVae::unroll_from(const Var& z, const Tensor& prefix, Index length, const CausalDecoder::Pick& pick) {
  ag::NoGradGuard no_grad;
  eval();
  const auto [first, added] = conditioning(z);
  Tensor out = decoder_->unroll(z.size(0), prefix, length, pick, first, added);
  train();
  return out;
}

Tensor TransformerVae::decode(const Tensor& z, const IndexTensor&) {
  if (z.dim() != 2 || z.size(1) != options.latent)
    throw core::ShapeError(fmt::format("TransformerVae::decode: z must be (B, {}), got {}", options.latent, z.shape().str()));
  const bool text = decoder_->text();
  const CausalDecoder::Pick mode = [text](const nn::Distribution<>& p) {
    return text ? categorical_of(p).mode().to<float>() : p.mean().value();
  };
  return unroll_from(Var(z), {}, options.decoder.context, mode);
}

Tensor TransformerVae::sample(Index n, core::Generator& gen, const IndexTensor&) {
  return generate(n, options.decoder.context, gen);
}

Tensor TransformerVae::generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling,
                                const IndexTensor& text_prefix, const Tensor& series_prefix) {
  sampling.check();
  const bool text = decoder_->text();
  Tensor prefix;  // batch-major, as Pick emits
  if (text && text_prefix.defined() && text_prefix.numel() > 0)
    prefix = core::broadcast_to(text_prefix.to<float>().reshape({1, text_prefix.numel()}), {n, text_prefix.numel()});
  else if (!text && series_prefix.defined() && series_prefix.numel() > 0)
    prefix = series_of(series_prefix, n, options.decoder.x_dim, "the series prefix");
  Var z;
  {
    ag::NoGradGuard no_grad;
    z = prefix.defined() ? encode_values(last_steps(prefix, options.decoder.context)).rsample(gen)
                         : Var(core::normal<float>({n, options.latent}, 0.f, 1.f, gen));
  }
  const CausalDecoder::Pick draw = [&](const nn::Distribution<>& p) {
    return text ? sample_tokens(categorical_of(p), gen, sampling).to<float>() : p.mean().value();
  };
  return unroll_from(z, prefix, length, draw);
}

Tensor TransformerVae::step_scores(const Batch& batch, int k, core::Generator& gen) {
  if (decoder_->text()) throw core::ValueError("TransformerVae::step_scores: series models only");
  if (k < 1) throw core::ValueError("TransformerVae::step_scores: k must be >= 1");
  ag::NoGradGuard no_grad;
  eval();
  const SequenceInput in = read(batch).repeat_rows(k);
  const nn::Normal<> q = encode_values(in.target, in.mask);
  const Var z = q.rsample(gen);
  const auto [first, added] = conditioning(z);
  const auto lik = mask_steps(decoder_->likelihood(decoder_->features(in.target, first, added, in.mask)), in.mask);
  Tensor nll = ag::neg(lik->log_prob(Var(in.target))).value();
  if (nll.dim() == 3) nll = core::sum(nll, {2});  // (B k, L): features of a step summed
  const Tensor kl = sum_except_batch(nn::kl_divergence(q, nn::Normal<>::standard(z.shape()))).value();
  const Index L = in.steps;
  const auto real = [&](Index r, Index t) { return !in.mask.defined() || in.mask.data()[r * L + t] != 0.f; };
  for (Index r = 0; r < in.rows; ++r) {  // the KL spread over the row's real steps
    Index n = 0;
    for (Index t = 0; t < L; ++t) n += real(r, t);
    for (Index t = 0; t < L; ++t)
      if (real(r, t)) nll.data()[r * L + t] += kl.data()[r] / static_cast<float>(n);
  }
  train();
  return core::sum(nll.reshape({in.rows / k, k, L}) / static_cast<float>(k), {1});
}

Tensor TransformerVae::sample_future(const Tensor& history, Index horizon, core::Generator& gen) {
  if (decoder_->text()) throw core::ValueError("TransformerVae::sample_future: series models only");
  series_of(history, -1, options.decoder.x_dim, "the history");
  if (horizon < 1) throw core::ValueError("TransformerVae::sample_future: horizon must be >= 1");
  Var z;
  {
    ag::NoGradGuard no_grad;
    eval();
    z = encode_values(last_steps(history, options.decoder.context)).rsample(gen);
  }
  const CausalDecoder::Pick draw = [&](const nn::Distribution<>& p) { return p.sample(gen); };
  return core::narrow(unroll_from(z, history, horizon, draw), 1, history.size(1), horizon);
}

}  // namespace xgrad::models
