#include "xgrad/models/transformer_lm.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/masked_steps.hpp"

namespace xgrad::models {

namespace ag = autograd;

TransformerLm::TransformerLm(const CausalDecoderOptions& o, core::Generator& gen) : options(o) {
  decoder_ = register_module("decoder", nn::make<CausalDecoder>(o, nullptr, gen));
}

std::string TransformerLm::describe() const {
  return fmt::format("TransformerLm({}, d={}, heads={}, layers={})", decoder_->text() ? "text" : "series", options.d_model,
                     options.heads, options.layers);
}

Var TransformerLm::step_nll(const Batch& batch) const {
  const SequenceInput in = SequenceInput::from_batch(batch, options);
  require_real_steps(in, "transformer");
  const auto lik = mask_steps(decoder_->likelihood(decoder_->features(in.target, {}, {}, in.mask)), in.mask);
  return ag::neg(sum_per_step(lik->log_prob(Var(in.target))));
}

Var TransformerLm::nll(const Batch& batch) const { return ag::sum(step_nll(batch), {1}); }

StepStats TransformerLm::train_step(const Batch& batch, nn::StepContext& ctx) {
  train();
  const double loss = ctx.minimize(ag::mean(nll(batch)));
  return {.loss = loss, .recon = loss, .kl = 0, .extra = {}};
}

EvalSums TransformerLm::evaluate(const Batch& batch, core::Generator&) {
  ag::NoGradGuard no_grad;
  eval();
  const Var n = nll(batch);
  train();
  const double s = ag::sum(n).item();
  return {.neg_elbo = s, .recon = s, .kl = 0, .count = n.size(0)};
}

Tensor TransformerLm::iwae_log_likelihood(const Batch& batch, int, core::Generator&) {
  ag::NoGradGuard no_grad;
  eval();
  Tensor ll = ag::neg(nll(batch)).value();
  train();
  return ll;
}

namespace {
[[noreturn]] void no_latent(const char* what) {
  throw core::Error(fmt::format("transformer: {} needs a latent code, and the baseline has none (use a transformer-vae)", what));
}
}  // namespace

Tensor TransformerLm::encode(const Batch&) { no_latent("encode"); }
Tensor TransformerLm::decode(const Tensor&, const IndexTensor&) { no_latent("decode"); }
Tensor TransformerLm::sample(Index n, core::Generator& gen, const IndexTensor&) { return generate(n, options.context, gen); }

Tensor TransformerLm::unroll(Index n, const Tensor& prefix, Index length, const CausalDecoder::Pick& pick) {
  eval();
  Tensor out = decoder_->unroll(n, prefix, length, pick);
  train();
  return out;
}

Tensor TransformerLm::generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling,
                               const IndexTensor& text_prefix, const Tensor& series_prefix) {
  sampling.check();
  const bool text = decoder_->text();
  Tensor prefix;
  if (text && text_prefix.defined() && text_prefix.numel() > 0)
    prefix = core::broadcast_to(text_prefix.to<float>().reshape({1, text_prefix.numel()}), {n, text_prefix.numel()});
  else if (!text && series_prefix.defined() && series_prefix.numel() > 0)
    prefix = series_prefix;
  const CausalDecoder::Pick draw = [&](const nn::Distribution<>& p) {
    return text ? sample_tokens(categorical_of(p), gen, sampling).to<float>() : p.mean().value();
  };
  return unroll(n, prefix, length, draw);
}

Tensor TransformerLm::step_scores(const Batch& batch, int, core::Generator&) {
  if (decoder_->text()) throw core::ValueError("TransformerLm::step_scores: series models only");
  ag::NoGradGuard no_grad;
  eval();
  Tensor s = step_nll(batch).value();
  train();
  return s;
}

Tensor TransformerLm::sample_future(const Tensor& history, Index horizon, core::Generator& gen) {
  if (decoder_->text()) throw core::ValueError("TransformerLm::sample_future: series models only");
  if (history.dim() != 3 || history.size(1) < 1 || history.size(2) != options.x_dim)
    throw core::ShapeError(fmt::format("TransformerLm::sample_future: the history must be (n, P >= 1, {}), got {}",
                                       options.x_dim, history.shape().str()));
  if (horizon < 1) throw core::ValueError("TransformerLm::sample_future: horizon must be >= 1");
  const CausalDecoder::Pick draw = [&](const nn::Distribution<>& p) { return p.sample(gen); };
  return core::narrow(unroll(history.size(0), history, horizon, draw), 1, history.size(1), horizon);
}

}  // namespace xgrad::models
