#include "xgrad/models/vrnn.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/nn/distributions/distributions.hpp"
#include "xgrad/nn/optim/clip.hpp"

namespace xgrad::models {

namespace ag = autograd;
using nn::Categorical;
using nn::MixtureOfGaussians;
using nn::Normal;

namespace {

std::shared_ptr<nn::Linear> linear(Index in, Index out, core::Generator& gen) {
  return nn::make<nn::Linear>(nn::LinearOptions{.in = in, .out = out}, gen);
}

/// [a, b] along the features: the one concatenation per network input.
Var cat(const Var& a, const Var& b) { return ag::concat(std::vector<Var>{a, b}, 1); }

const nn::Categorical<>& categorical(const nn::Distribution<>& p) {
  if (const auto* c = dynamic_cast<const nn::Categorical<>*>(&p)) return *c;
  throw core::ValueError("Vrnn: text needs a categorical likelihood, not " + p.name());
}

}  // namespace

Vrnn::Vrnn(const VrnnOptions& o, std::shared_ptr<LikelihoodHead> out, core::Generator& gen) : options(o) {
  if (o.hidden < 1 || o.latent < 1) throw core::ValueError("Vrnn: hidden and latent must be >= 1");
  const Index h = o.hidden, z = o.latent;
  if (text())
    embed_ = register_module("phi_x1", nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = o.classes, .dim = h}, gen));
  else
    phi_x1_ = register_module("phi_x1", linear(o.x_dim, h, gen));
  phi_x2_ = register_module("phi_x2", linear(h, h, gen));
  phi_z_ = register_module("phi_z", linear(z, h, gen));
  prior_ = register_module("prior", linear(h, h, gen));
  prior_head_ = register_module("prior_head", nn::make<GaussianHead>(GaussianHeadOptions{.in = h, .out = z}, gen));
  enc1_ = register_module("enc1", linear(2 * h, h, gen));
  enc2_ = register_module("enc2", linear(h, h, gen));
  enc_head_ = register_module("enc_head", nn::make<GaussianHead>(GaussianHeadOptions{.in = h, .out = z}, gen));
  dec1_ = register_module("dec1", linear(2 * h, h, gen));
  dec2_ = register_module("dec2", linear(h, h, gen));
  if (!out) out = sequence_head(o.likelihood, h, o.x_dim, o.classes, o.components, gen);
  out_ = register_module("out", std::move(out));
  cell_ = Recurrence(o.cell, {.in = 2 * h, .hidden = h}, gen);
  register_module("rnn", cell_.module());
}

std::string Vrnn::describe() const {
  return fmt::format("Vrnn({}, {}, h={}, z={})", text() ? "text" : "series",
                     cell_.name(), options.hidden, options.latent);
}

Var Vrnn::phi_x(const VrnnInput& in, Index t) const {
  Var first = text() ? ag::relu(embed_->forward(in.ids_at(t))) : phi_x1_->forward_relu(Var(in.x_at(t)));
  return phi_x2_->forward_relu(first);
}

nn::Normal<> Vrnn::posterior_step(const Var& fx, const Var& h) const {
  return enc_head_->forward(enc2_->forward_relu(enc1_->forward_relu(cat(fx, h))));
}

Var Vrnn::decoder_step(const Var& fz, const Var& h) const {
  return dec2_->forward_relu(dec1_->forward_relu(cat(fz, h)));
}

VrnnTerms Vrnn::forward(const VrnnInput& in, const VrnnState& init, core::Generator& gen, bool with_log_weight,
                        std::int64_t step) {
  const ElboObjective objective = objective_.at(step);
  const Index L = in.steps, B = in.rows;
  VrnnState s = cell_.start(B, init);
  std::vector<Var> h_prev, q_mean, q_logvar, zs, dec;
  h_prev.reserve(L), q_mean.reserve(L), q_logvar.reserve(L), zs.reserve(L), dec.reserve(L);
  for (Index t = 0; t < L; ++t) {
    const Var fx = phi_x(in, t);
    const nn::Normal<> q = posterior_step(fx, s.h);
    const Var z = q.rsample(gen);
    const Var fz = phi_z_->forward_relu(z);
    dec.push_back(decoder_step(fz, s.h));
    h_prev.push_back(s.h), q_mean.push_back(q.loc()), q_logvar.push_back(q.logvar()), zs.push_back(z);
    s = keep_rows(in.mask_at(t), cell_.step(cat(fx, fz), s), s);  // padding keeps the state, as unpadded
  }
  // What does not feed the recurrence is batched over the window, batch-major (B, L, ...),
  // so the ELBO's "sum every axis but the batch" sums over time and latent dimensions.
  const nn::Normal<> prior = prior_head_->forward(prior_->forward_relu(ag::stack(h_prev, 1)));
  const nn::Normal<> post(ag::stack(q_mean, 1), ag::stack(q_logvar, 1));
  const auto lik = out_->distribution(ag::stack(dec, 1));
  const Var target(in.target);
  VrnnTerms out;
  out.elbo = masked_elbo(*lik, target, post, prior, in.mask, objective);
  if (with_log_weight) out.log_weight = masked_log_weight(*lik, target, post, prior, ag::stack(zs, 1), in.mask);
  out.real_steps = in.real_steps();
  out.state = s;
  return out;
}

StepStats Vrnn::train_window(const VrnnInput& in, VrnnState& state, nn::StepContext& ctx) {
  train();
  VrnnTerms terms = forward(in, state, ctx.gen, false, ctx.step);
  ctx.minimize(terms.elbo.loss);
  state = terms.state.detached();
  return terms.elbo.step_stats();
}

StepStats Vrnn::train_step(const Batch& batch, nn::StepContext& ctx) {
  VrnnState fresh;
  return train_window(VrnnInput::from_batch(batch, options), fresh, ctx);
}

EvalSums Vrnn::evaluate(const Batch& batch, core::Generator& gen) {
  ag::NoGradGuard no_grad;
  const VrnnInput in = VrnnInput::from_batch(batch, options);
  return forward(in, {}, gen).elbo.eval_sums();
}

Index Vrnn::sequence_steps(const Batch& batch) const {
  return VrnnInput::from_batch(batch, options).real_steps();
}

Tensor Vrnn::iwae_log_likelihood(const Batch& batch, int k, core::Generator& gen) {
  if (k < 1) throw core::ValueError("Vrnn: iwae needs k >= 1");
  ag::NoGradGuard no_grad;
  const VrnnInput in = VrnnInput::from_batch(batch, options);
  const VrnnTerms t = forward(in.repeat_rows(k), {}, gen, true);
  // (B*k) with the k copies of a row adjacent -> (B, k) -> logsumexp - log k.
  const Var lw = ag::reshape(t.log_weight, {in.rows, static_cast<Index>(k)});
  return ag::sub(ag::logsumexp(lw, {1}), static_cast<float>(std::log(static_cast<double>(k)))).value();
}

Tensor Vrnn::encode(const Batch& batch) {
  ag::NoGradGuard no_grad;
  const VrnnInput in = VrnnInput::from_batch(batch, options);
  VrnnState s = cell_.zeros(in.rows);
  const Index z = options.latent;
  Tensor out({in.rows, in.steps * z});
  for (Index t = 0; t < in.steps; ++t) {
    const Var fx = phi_x(in, t);
    const Var mu = posterior_step(fx, s.h).loc();
    for (Index b = 0; b < in.rows; ++b)
      std::memcpy(out.data() + (b * in.steps + t) * z, mu.value().data() + b * z, sizeof(float) * z);
    s = cell_.step(cat(fx, ag::relu(phi_z_->forward(mu))), s);
  }
  return out;
}

Tensor Vrnn::decode(const Tensor& z, const IndexTensor&) {
  const Index zd = options.latent;
  if (z.dim() != 2 || z.size(1) % zd != 0)
    throw core::ShapeError(fmt::format("Vrnn::decode: z must be (B, L * {}), got {}", zd, z.shape().str()));
  ag::NoGradGuard no_grad;
  const Index B = z.size(0), L = z.size(1) / zd, d = text() ? 1 : options.x_dim;
  Tensor out(text() ? core::Shape{B, L} : core::Shape{B, L, d});
  VrnnState s = cell_.zeros(B);
  for (Index t = 0; t < L; ++t) {
    Tensor zt({B, zd});
    for (Index b = 0; b < B; ++b) std::memcpy(zt.data() + b * zd, z.data() + (b * L + t) * zd, sizeof(float) * zd);
    const Var fz = ag::relu(phi_z_->forward(Var(zt)));
    const Var dec = decoder_step(fz, s.h);
    VrnnInput one;
    one.steps = 1, one.rows = B;
    if (text()) {
      one.ids = categorical(*out_->distribution(dec)).mode().reshape({1, B});
      for (Index b = 0; b < B; ++b) out.data()[b * L + t] = static_cast<float>(one.ids.data()[b]);
    } else {
      const Var mean = out_->distribution(dec)->mean();
      one.x = mean.value().reshape({1, B, d});
      for (Index b = 0; b < B; ++b) std::memcpy(out.data() + (b * L + t) * d, one.x.data() + b * d, sizeof(float) * d);
    }
    s = cell_.step(cat(phi_x(one, 0), fz), s);
  }
  return out;
}

Tensor Vrnn::generate(Index n, Index length, core::Generator& gen, float temperature, const IndexTensor& text_prefix,
                      const Tensor& series_prefix) {
  ag::NoGradGuard no_grad;
  const Index d = text() ? 1 : options.x_dim;
  VrnnState s = cell_.zeros(n);
  Index P = 0;
  // Priming: the known prefix is filtered through the posterior.
  VrnnInput pre;
  if (text() && text_prefix.defined() && text_prefix.numel() > 0) {
    P = text_prefix.numel();
    pre.steps = P, pre.rows = n, pre.ids = IndexTensor({P, n});
    for (Index t = 0; t < P; ++t)
      for (Index b = 0; b < n; ++b) pre.ids.data()[t * n + b] = text_prefix.data()[t];
  } else if (!text() && series_prefix.defined() && series_prefix.numel() > 0) {
    if (series_prefix.dim() != 3 || series_prefix.size(0) != n || series_prefix.size(2) != d)
      throw core::ShapeError("Vrnn::generate: series prefix must be (n, P, x_dim)");
    P = series_prefix.size(1);
    pre.steps = P, pre.rows = n, pre.x = core::permute(series_prefix, {1, 0, 2});
  }
  for (Index t = 0; t < P; ++t) {
    const Var fx = phi_x(pre, t);
    const Var z = posterior_step(fx, s.h).rsample(gen);
    s = cell_.step(cat(fx, ag::relu(phi_z_->forward(z))), s);
  }
  const Index total = P + length;
  Tensor out(text() ? core::Shape{n, total} : core::Shape{n, total, d});
  for (Index t = 0; t < P; ++t)
    for (Index b = 0; b < n; ++b)
      for (Index j = 0; j < d; ++j)
        out.data()[(b * total + t) * d + j] =
            text() ? static_cast<float>(pre.ids.data()[t * n + b]) : pre.x.data()[(t * n + b) * d + j];
  for (Index t = 0; t < length; ++t) {
    const Var z = prior_head_->forward(ag::relu(prior_->forward(s.h))).rsample(gen);
    const Var fz = phi_z_->forward_relu(z);
    const Var dec = decoder_step(fz, s.h);
    VrnnInput one;
    one.steps = 1, one.rows = n;
    if (text()) {
      one.ids = categorical(*out_->distribution(dec)).sample(gen, temperature).reshape({1, n});
      for (Index b = 0; b < n; ++b) out.data()[b * total + P + t] = static_cast<float>(one.ids.data()[b]);
    } else {
      const Var mean = out_->distribution(dec)->mean();
      one.x = mean.value().reshape({1, n, d});
      for (Index b = 0; b < n; ++b)
        std::memcpy(out.data() + (b * total + P + t) * d, one.x.data() + b * d, sizeof(float) * d);
    }
    s = cell_.step(cat(phi_x(one, 0), fz), s);
  }
  return out;
}

Tensor Vrnn::sample(Index n, core::Generator& gen, const IndexTensor&) {
  return generate(n, options.sample_length, gen);
}

}  // namespace xgrad::models
