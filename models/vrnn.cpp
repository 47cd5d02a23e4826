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

/// Row t of a time-major (L, B, ...) tensor, as its own (B, ...) tensor.
template <class T>
core::Tensor<T> time_slice(const core::Tensor<T>& x, Index t) {
  const Index n = x.numel() / x.size(0);
  std::vector<Index> dims;
  for (int a = 1; a < x.dim(); ++a) dims.push_back(x.size(a));
  core::Tensor<T> out{core::Shape(dims)};
  std::memcpy(out.data(), x.data() + t * n, sizeof(T) * n);
  return out;
}

}  // namespace

VrnnInput VrnnInput::from_batch(const Batch& batch, const VrnnOptions& options) {
  VrnnInput in;
  bool padded = false;
  if (options.likelihood == VrnnLikelihood::Categorical) {
    const IndexTensor& lab = batch.labels;
    if (!lab.defined() || lab.dim() != 2 || lab.size(1) < 2)
      throw core::ShapeError("Vrnn: text batches need labels (B, L + 1) with L >= 1");
    in.rows = lab.size(0), in.steps = lab.size(1) - 1;
    in.ids = IndexTensor({in.steps, in.rows});
    in.mask = Tensor::ones({in.steps, in.rows});
    for (Index b = 0; b < in.rows; ++b)
      for (Index t = 0; t < in.steps; ++t) {
        Index id = lab.data()[b * (in.steps + 1) + t + 1];
        if (id < 0) padded = true, in.mask.data()[t * in.rows + b] = 0, id = 0;
        if (id >= options.classes)
          throw core::ValueError(fmt::format("Vrnn: token id {} outside [0, {})", id, options.classes));
        in.ids.data()[t * in.rows + b] = id;
      }
  } else {
    const Tensor& x = batch.x;
    if (!x.defined() || x.dim() != 3 || x.size(2) != options.x_dim)
      throw core::ShapeError(fmt::format("Vrnn: series batches need x (B, L, {}), got {}", options.x_dim,
                                         x.defined() ? x.shape().str() : "none"));
    in.rows = x.size(0), in.steps = x.size(1);
    const Index d = options.x_dim;
    in.x = Tensor({in.steps, in.rows, d});
    in.mask = Tensor::ones({in.steps, in.rows});
    for (Index b = 0; b < in.rows; ++b)
      for (Index t = 0; t < in.steps; ++t) {
        const float* src = x.data() + (b * in.steps + t) * d;
        float* dst = in.x.data() + (t * in.rows + b) * d;
        const bool pad = std::isnan(src[0]);
        if (pad) padded = true, in.mask.data()[t * in.rows + b] = 0;
        for (Index j = 0; j < d; ++j) dst[j] = pad ? 0.f : src[j];
      }
  }
  if (!padded) in.mask = Tensor();
  return in;
}

VrnnInput VrnnInput::repeat_rows(Index k) const {
  std::vector<Index> idx;
  for (Index b = 0; b < rows; ++b)
    for (Index i = 0; i < k; ++i) idx.push_back(b);
  IndexTensor index(core::Shape{rows * k}, idx);
  VrnnInput out = *this;
  out.rows = rows * k;
  if (x.defined()) out.x = core::index_select(x, 1, index);
  if (ids.defined()) out.ids = core::index_select(ids, 1, index);
  if (mask.defined()) out.mask = core::index_select(mask, 1, index);
  return out;
}

Vrnn::Vrnn(const VrnnOptions& o, core::Generator& gen) : options(o) {
  if (o.hidden < 1 || o.latent < 1) throw core::ValueError("Vrnn: hidden and latent must be >= 1");
  const Index h = o.hidden, z = o.latent;
  if (text()) {
    embed_ = register_module("phi_x1", nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = o.classes, .dim = h}, gen));
  } else {
    phi_x1_ = register_module("phi_x1", linear(o.x_dim, h, gen));
  }
  phi_x2_ = register_module("phi_x2", linear(h, h, gen));
  phi_z_ = register_module("phi_z", linear(z, h, gen));
  prior_ = register_module("prior", linear(h, h, gen));
  prior_mean_ = register_module("prior_mean", linear(h, z, gen));
  prior_logvar_ = register_module("prior_logvar", linear(h, z, gen));
  enc1_ = register_module("enc1", linear(2 * h, h, gen));
  enc2_ = register_module("enc2", linear(h, h, gen));
  enc_mean_ = register_module("enc_mean", linear(h, z, gen));
  enc_logvar_ = register_module("enc_logvar", linear(h, z, gen));
  dec1_ = register_module("dec1", linear(2 * h, h, gen));
  dec2_ = register_module("dec2", linear(h, h, gen));
  Index out = 0;
  switch (o.likelihood) {
    case VrnnLikelihood::Gaussian: out = 2 * o.x_dim; break;
    case VrnnLikelihood::Mixture: out = o.components * (1 + 2 * o.x_dim); break;
    case VrnnLikelihood::Categorical: out = o.classes; break;
  }
  out_ = register_module("out", linear(h, out, gen));
  const nn::RNNCellOptions cell{.in = 2 * h, .hidden = h};
  if (o.cell == RecurrentCell::GRU)
    gru_ = register_module("rnn", nn::make<nn::GRUCell>(cell, gen));
  else
    lstm_ = register_module("rnn", nn::make<nn::LSTMCell>(cell, gen));
  adam_ = std::make_unique<nn::Adam>(parameters(), nn::AdamOptions{.lr = o.lr});
}

std::string Vrnn::describe() const {
  return fmt::format("Vrnn({}, {}, h={}, z={})", text() ? "text" : "series",
                     options.cell == RecurrentCell::GRU ? "GRU" : "LSTM", options.hidden, options.latent);
}

Var Vrnn::phi_x(const VrnnInput& in, Index t) const {
  Var first = text() ? embed_->forward(time_slice(in.ids, t)) : phi_x1_->forward(Var(time_slice(in.x, t)));
  return ag::relu(phi_x2_->forward(ag::relu(first)));
}

VrnnState Vrnn::cell_step(const Var& input, const VrnnState& s) const {
  if (gru_) return {gru_->forward(input, s.h), {}};
  const nn::LSTMState next = lstm_->forward(input, {s.h, s.c});
  return {next.h, next.c};
}

VrnnState Vrnn::initial_state(Index rows, const VrnnState& given) const {
  if (given.defined()) {
    if (given.h.dim() != 2 || given.h.size(0) != rows || given.h.size(1) != options.hidden)
      throw core::ShapeError(fmt::format("Vrnn: state of shape {} for {} rows of hidden size {}",
                                         given.h.shape().str(), rows, options.hidden));
    return given;
  }
  VrnnState s{Var(Tensor::zeros({rows, options.hidden})), {}};
  if (lstm_) s.c = Var(Tensor::zeros({rows, options.hidden}));
  return s;
}

Var Vrnn::output_params(const Var& dec) const { return out_->forward(dec); }

Var Vrnn::series_mean(const Var& p) const {
  const Index d = options.x_dim, k = options.components, n = p.size(0);
  if (options.likelihood == VrnnLikelihood::Gaussian) return ag::split(p, {d, d}, 1)[0];
  auto parts = ag::split(p, {k, k * d, k * d}, 1);
  return MixtureOfGaussians<float>(parts[0], ag::reshape(parts[1], {n, k, d}), ag::reshape(parts[2], {n, k, d})).mean();
}

Var Vrnn::log_likelihood(const Var& dec, const VrnnInput& in) const {
  const Index n = in.steps * in.rows;
  Var params = output_params(dec);  // (L*B, out)
  Var ll;
  switch (options.likelihood) {
    case VrnnLikelihood::Categorical:
      ll = Categorical<float>(params).log_prob(in.ids.reshape({n}));
      break;
    case VrnnLikelihood::Gaussian: {
      const Index d = options.x_dim;
      auto parts = ag::split(params, {d, d}, 1);
      ll = nn::sum_event(Normal<float>(parts[0], parts[1]).log_prob(Var(in.x.reshape({n, d}))), 1);
      break;
    }
    case VrnnLikelihood::Mixture: {
      const Index k = options.components, d = options.x_dim;
      auto parts = ag::split(params, {k, k * d, k * d}, 1);
      MixtureOfGaussians<float> mix(parts[0], ag::reshape(parts[1], {n, k, d}), ag::reshape(parts[2], {n, k, d}));
      ll = mix.log_prob(Var(in.x.reshape({n, d})));
      break;
    }
  }
  return ag::reshape(ll, {in.steps, in.rows});
}

VrnnTerms Vrnn::forward(const VrnnInput& in, const VrnnState& init, core::Generator& gen, bool with_log_weight) {
  const Index L = in.steps, B = in.rows;
  VrnnState s = initial_state(B, init);
  std::vector<Var> h_prev, q_mean, q_logvar, zs, dec;
  h_prev.reserve(L), q_mean.reserve(L), q_logvar.reserve(L), zs.reserve(L), dec.reserve(L);
  for (Index t = 0; t < L; ++t) {
    const Var fx = phi_x(in, t);
    const Var e = ag::relu(enc2_->forward(ag::relu(enc1_->forward(cat(fx, s.h)))));
    const Normal<float> q(enc_mean_->forward(e), enc_logvar_->forward(e));
    const Var z = q.rsample(gen);
    const Var fz = ag::relu(phi_z_->forward(z));
    dec.push_back(ag::relu(dec2_->forward(ag::relu(dec1_->forward(cat(fz, s.h))))));
    h_prev.push_back(s.h), q_mean.push_back(q.loc()), q_logvar.push_back(q.logvar()), zs.push_back(z);
    VrnnState next = cell_step(cat(fx, fz), s);
    if (in.mask.defined()) {  // padding keeps the state, so it equals the unpadded row's
      const Tensor keep = time_slice(in.mask, t).reshape({B, 1});
      next.h = ag::where(keep, next.h, s.h);
      if (next.c.defined()) next.c = ag::where(keep, next.c, s.c);
    }
    s = next;
  }
  // Everything that does not feed the recurrence is batched over the window.
  const Index n = L * B;
  const Var hp = ag::reshape(ag::stack(h_prev, 0), {n, options.hidden});
  const Var pf = ag::relu(prior_->forward(hp));
  const Normal<float> prior(prior_mean_->forward(pf), prior_logvar_->forward(pf));
  const Normal<float> post(ag::reshape(ag::stack(q_mean, 0), {n, options.latent}),
                           ag::reshape(ag::stack(q_logvar, 0), {n, options.latent}));
  const Var ll = log_likelihood(ag::reshape(ag::stack(dec, 0), {n, options.hidden}), in);  // (L, B)
  Var kl = ag::reshape(nn::sum_event(nn::kl_divergence(post, prior), 1), {L, B});
  Var nll = ag::neg(ll);
  VrnnTerms out;
  Var lw;
  if (with_log_weight) {
    const Var z = ag::reshape(ag::stack(zs, 0), {n, options.latent});
    lw = ag::add(ll, ag::reshape(nn::sum_event(ag::sub(prior.log_prob(z), post.log_prob(z)), 1), {L, B}));
  }
  if (in.mask.defined()) {
    const Var m(in.mask);
    nll = ag::mul(nll, m), kl = ag::mul(kl, m);
    if (lw.defined()) lw = ag::mul(lw, m);
    out.real_steps = static_cast<Index>(ag::sum(m).item());
  } else {
    out.real_steps = n;
  }
  out.recon = ag::sum(nll, {0});
  out.kl = ag::sum(kl, {0});
  if (lw.defined()) out.log_weight = ag::sum(lw, {0});
  out.state = s;
  return out;
}

StepStats Vrnn::train_window(const VrnnInput& in, VrnnState& state, core::Generator& gen) {
  train();
  adam_->zero_grad();
  VrnnTerms terms = forward(in, state, gen);
  const float inv_b = 1.f / static_cast<float>(in.rows);
  const Var recon = ag::mul(ag::sum(terms.recon), inv_b);
  const Var kl = ag::mul(ag::sum(terms.kl), inv_b);
  const Var loss = ag::add(recon, ag::mul(kl, static_cast<float>(kl_weight_)));
  loss.backward();
  if (options.clip_norm > 0) nn::clip_grad_norm_(parameters(), options.clip_norm);
  adam_->step();
  state = terms.state.detached();
  return {loss.item(), recon.item(), kl.item(), {}};
}

StepStats Vrnn::train_step(const Batch& batch, core::Generator& gen) {
  VrnnState fresh;
  return train_window(VrnnInput::from_batch(batch, options), fresh, gen);
}

EvalSums Vrnn::evaluate(const Batch& batch, core::Generator& gen) {
  ag::NoGradGuard no_grad;
  const VrnnInput in = VrnnInput::from_batch(batch, options);
  const VrnnTerms t = forward(in, {}, gen);
  EvalSums s;
  s.recon = ag::sum(t.recon).item(), s.kl = ag::sum(t.kl).item();
  s.neg_elbo = s.recon + s.kl;
  s.count = in.rows;
  return s;
}

Index Vrnn::sequence_steps(const Batch& batch) const {
  const VrnnInput in = VrnnInput::from_batch(batch, options);
  if (!in.mask.defined()) return in.steps * in.rows;
  Index n = 0;
  for (float m : in.mask) n += m > 0.5f;
  return n;
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
  VrnnState s = initial_state(in.rows, {});
  const Index z = options.latent;
  Tensor out({in.rows, in.steps * z});
  for (Index t = 0; t < in.steps; ++t) {
    const Var fx = phi_x(in, t);
    const Var e = ag::relu(enc2_->forward(ag::relu(enc1_->forward(cat(fx, s.h)))));
    const Var mu = enc_mean_->forward(e);
    for (Index b = 0; b < in.rows; ++b)
      std::memcpy(out.data() + (b * in.steps + t) * z, mu.value().data() + b * z, sizeof(float) * z);
    s = cell_step(cat(fx, ag::relu(phi_z_->forward(mu))), s);
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
  VrnnState s = initial_state(B, {});
  for (Index t = 0; t < L; ++t) {
    Tensor zt({B, zd});
    for (Index b = 0; b < B; ++b) std::memcpy(zt.data() + b * zd, z.data() + (b * L + t) * zd, sizeof(float) * zd);
    const Var fz = ag::relu(phi_z_->forward(Var(zt)));
    const Var dec = ag::relu(dec2_->forward(ag::relu(dec1_->forward(cat(fz, s.h)))));
    const Var p = output_params(dec);
    VrnnInput one;
    one.steps = 1, one.rows = B;
    if (text()) {
      one.ids = Categorical<float>(p).mode().reshape({1, B});
      for (Index b = 0; b < B; ++b) out.data()[b * L + t] = static_cast<float>(one.ids.data()[b]);
    } else {
      const Var mean = series_mean(p);
      one.x = mean.value().reshape({1, B, d});
      for (Index b = 0; b < B; ++b) std::memcpy(out.data() + (b * L + t) * d, one.x.data() + b * d, sizeof(float) * d);
    }
    s = cell_step(cat(phi_x(one, 0), fz), s);
  }
  return out;
}

Tensor Vrnn::generate(Index n, Index length, core::Generator& gen, float temperature, const IndexTensor& text_prefix,
                      const Tensor& series_prefix) {
  ag::NoGradGuard no_grad;
  const Index d = text() ? 1 : options.x_dim;
  VrnnState s = initial_state(n, {});
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
    const Var e = ag::relu(enc2_->forward(ag::relu(enc1_->forward(cat(fx, s.h)))));
    const Var z = Normal<float>(enc_mean_->forward(e), enc_logvar_->forward(e)).rsample(gen);
    s = cell_step(cat(fx, ag::relu(phi_z_->forward(z))), s);
  }
  const Index total = P + length;
  Tensor out(text() ? core::Shape{n, total} : core::Shape{n, total, d});
  for (Index t = 0; t < P; ++t)
    for (Index b = 0; b < n; ++b)
      for (Index j = 0; j < d; ++j)
        out.data()[(b * total + t) * d + j] =
            text() ? static_cast<float>(pre.ids.data()[t * n + b]) : pre.x.data()[(t * n + b) * d + j];
  for (Index t = 0; t < length; ++t) {
    const Var pf = ag::relu(prior_->forward(s.h));
    const Var z = Normal<float>(prior_mean_->forward(pf), prior_logvar_->forward(pf)).rsample(gen);
    const Var fz = ag::relu(phi_z_->forward(z));
    const Var dec = ag::relu(dec2_->forward(ag::relu(dec1_->forward(cat(fz, s.h)))));
    const Var p = output_params(dec);
    VrnnInput one;
    one.steps = 1, one.rows = n;
    if (text()) {
      one.ids = Categorical<float>(p).sample(gen, temperature).reshape({1, n});
      for (Index b = 0; b < n; ++b) out.data()[b * total + P + t] = static_cast<float>(one.ids.data()[b]);
    } else {
      const Var mean = series_mean(p);
      one.x = mean.value().reshape({1, n, d});
      for (Index b = 0; b < n; ++b)
        std::memcpy(out.data() + (b * total + P + t) * d, one.x.data() + b * d, sizeof(float) * d);
    }
    s = cell_step(cat(phi_x(one, 0), fz), s);
  }
  return out;
}

Tensor Vrnn::sample(Index n, core::Generator& gen, const IndexTensor&) {
  return generate(n, options.sample_length, gen);
}

}  // namespace xgrad::models
