// The VRNN's passes without gradient, as wiring over Vrnn::step (the posterior side)
// and Vrnn::unroll (the generative side): encode and decode, generation, per-step
// scores (anomaly detection) and draws from the predictive distribution (forecasting).
#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/reduce.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/vrnn.hpp"

namespace xgrad::models {

namespace ag = autograd;

namespace {

/// `x` itself when it is (n, P >= 1, d), any n when n < 0.
const Tensor& series(const Tensor& x, Index n, Index d, const char* what) {
  if (x.dim() == 3 && (n < 0 || x.size(0) == n) && x.size(1) >= 1 && x.size(2) == d) return x;
  const std::string rows = n < 0 ? "n" : std::to_string(n);
  throw core::ShapeError(fmt::format("Vrnn::{} must be ({}, P >= 1, {}), got {}", what, rows, d, x.shape().str()));
}

}  // namespace

Tensor Vrnn::unroll(Index n, const Tensor& prefix, Index length, const Pick& pick, core::Generator* gen,
                    const Tensor& path) const {
  ag::NoGradGuard no_grad;
  RecurrentState s = cell_.zeros(n);
  std::vector<Tensor> xs;  // the prefix, then each x_t as (n, 1, ...)
  if (prefix.defined()) {
    const SequenceInput pre = SequenceInput::of_values(prefix, text());
    for (const Var& fx : phi_x_steps(pre)) s = step(fx, s, gen).next;
    xs.push_back(prefix);
  }
  for (Index t = 0; t < length; ++t) {
    const Var z = path.defined() ? Var(core::squeeze(core::narrow(path, 1, t, 1), 1)) : prior(s.h).rsample(*gen);
    const Var fz = phi_z_->forward_relu(z);
    xs.push_back(core::unsqueeze(pick(*out_->distribution(decoder(fz, s.h))), 1));
    s = recur(phi_x(SequenceInput::of_values(xs.back(), text()), 0), fz, s);
  }
  if (xs.empty()) return Tensor(text() ? core::Shape{n, 0} : core::Shape{n, 0, options.x_dim});
  return core::concat(xs, 1);
}

Tensor Vrnn::encode(const Batch& batch) {
  ag::NoGradGuard no_grad;
  const SequenceInput in = SequenceInput::from_batch(batch, options);
  RecurrentState s = cell_.zeros(in.rows);
  std::vector<Tensor> means;
  for (const Var& fx : phi_x_steps(in)) {
    const Step st = step(fx, s, nullptr);
    means.push_back(st.z.value());
    s = st.next;
  }
  return core::stack(means, 1).reshape({in.rows, in.steps * options.latent});
}

Tensor Vrnn::decode(const Tensor& z, const IndexTensor&) {
  const Index zd = options.latent;
  if (z.dim() != 2 || z.size(1) % zd != 0)
    throw core::ShapeError(fmt::format("Vrnn::decode: z must be (B, L * {}), got {}", zd, z.shape().str()));
  const Pick mode = [this](const nn::Distribution<>& p) {
    return text() ? categorical_of(p).mode().to<float>() : p.mean().value();
  };
  const Index B = z.size(0), L = z.size(1) / zd;
  return unroll(B, {}, L, mode, nullptr, z.reshape({B, L, zd}));
}

Tensor Vrnn::generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling, const IndexTensor& text_prefix,
                      const Tensor& series_prefix) {
  Tensor prefix;  // batch-major, see Pick
  if (text() && text_prefix.defined() && text_prefix.numel() > 0) {  // the same bytes for every row
    prefix = core::broadcast_to(text_prefix.to<float>().reshape({1, text_prefix.numel()}), {n, text_prefix.numel()});
  } else if (!text() && series_prefix.defined() && series_prefix.numel() > 0) {
    prefix = series(series_prefix, n, options.x_dim, "generate: the series prefix");
  }
  const Pick draw = [&](const nn::Distribution<>& p) {
    return text() ? sample_tokens(categorical_of(p), gen, sampling).to<float>() : p.mean().value();
  };
  return unroll(n, prefix, length, draw, &gen);
}

Tensor Vrnn::sample(Index n, core::Generator& gen, const IndexTensor&) {
  return generate(n, options.sample_length, gen);
}

Tensor Vrnn::step_scores(const Batch& batch, int k, core::Generator& gen) {
  if (text()) throw core::ValueError("Vrnn::step_scores: series models only");
  if (k < 1) throw core::ValueError("Vrnn::step_scores: k must be >= 1");
  ag::NoGradGuard no_grad;
  const SequenceInput in = SequenceInput::from_batch(batch, options).repeat_rows(k);
  RecurrentState s = cell_.zeros(in.rows);
  std::vector<Tensor> scores;  // per step (B * k), a row's k paths adjacent
  const std::vector<Var> fx = phi_x_steps(in);
  for (Index t = 0; t < in.steps; ++t) {
    const Step st = step(fx[static_cast<std::size_t>(t)], s, &gen);
    const auto lik = out_->distribution(decoder(st.fz, s.h));
    scores.push_back(ag::sub(nn::sum_event(nn::kl_divergence(st.q, prior(s.h)), 1),
                             sum_except_batch(lik->log_prob(Var(in.x_at(t))))).value());
    s = st.next;
  }
  return core::sum(core::stack(scores, 1).reshape({in.rows / k, k, in.steps}) / static_cast<float>(k), {1});
}

Tensor Vrnn::sample_future(const Tensor& history, Index horizon, core::Generator& gen) {
  if (text()) throw core::ValueError("Vrnn::sample_future: series models only");
  series(history, -1, options.x_dim, "sample_future: the history");
  if (horizon < 1) throw core::ValueError("Vrnn::sample_future: horizon must be >= 1");
  const Pick draw = [&](const nn::Distribution<>& p) { return p.sample(gen); };
  const Tensor path = unroll(history.size(0), history, horizon, draw, &gen);
  return core::narrow(path, 1, history.size(1), horizon);
}

}  // namespace xgrad::models
