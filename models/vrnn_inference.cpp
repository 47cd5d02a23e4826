// What the series applications ask of a trained VRNN beyond the ELBO: per-step
// scores (anomaly detection) and draws from the predictive distribution
// (forecasting). Kept apart from vrnn.cpp so training-speed work there and these
// read-only passes do not step on each other.
#include <cstring>

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/vrnn.hpp"
#include "xgrad/nn/distributions/distributions.hpp"

namespace xgrad::models {

namespace ag = autograd;

namespace {
Var cat(const Var& a, const Var& b) { return ag::concat(std::vector<Var>{a, b}, 1); }
}  // namespace

Tensor Vrnn::step_scores(const Batch& batch, int k, core::Generator& gen) {
  if (text()) throw core::ValueError("Vrnn::step_scores: series models only");
  if (k < 1) throw core::ValueError("Vrnn::step_scores: k must be >= 1");
  ag::NoGradGuard no_grad;
  const VrnnInput in = VrnnInput::from_batch(batch, options).repeat_rows(k);
  const Index L = in.steps, R = in.rows, B = R / k;
  VrnnState s = cell_.zeros(R);
  Tensor out = Tensor::zeros({B, L});
  for (Index t = 0; t < L; ++t) {
    const Var fx = phi_x(in, t);
    const nn::Normal<> q = posterior_step(fx, s.h);
    const nn::Normal<> p = prior_head_->forward(ag::relu(prior_->forward(s.h)));
    const Var z = q.rsample(gen);
    const Var fz = ag::relu(phi_z_->forward(z));
    const auto lik = out_->distribution(decoder_step(fz, s.h));
    const Var neg = ag::sub(nn::sum_event(nn::kl_divergence(q, p), 1),
                            sum_except_batch(lik->log_prob(Var(in.x_at(t)))));  // (R)
    const float* v = neg.value().data();
    for (Index r = 0; r < R; ++r) out.data()[(r / k) * L + t] += v[r] / static_cast<float>(k);
    s = cell_.step(cat(fx, fz), s);
  }
  return out;
}

Tensor Vrnn::sample_future(const Tensor& history, Index horizon, core::Generator& gen) {
  if (text()) throw core::ValueError("Vrnn::sample_future: series models only");
  const Index d = options.x_dim;
  if (history.dim() != 3 || history.size(2) != d || history.size(1) < 1)
    throw core::ShapeError(fmt::format("Vrnn::sample_future: history must be (n, P >= 1, {}), got {}", d,
                                       history.shape().str()));
  if (horizon < 1) throw core::ValueError("Vrnn::sample_future: horizon must be >= 1");
  ag::NoGradGuard no_grad;
  const Index n = history.size(0), P = history.size(1);
  VrnnInput pre;
  pre.steps = P, pre.rows = n, pre.x = core::permute(history, {1, 0, 2});
  VrnnState s = cell_.zeros(n);
  for (Index t = 0; t < P; ++t) {
    const Var fx = phi_x(pre, t);
    const Var z = posterior_step(fx, s.h).rsample(gen);
    s = cell_.step(cat(fx, ag::relu(phi_z_->forward(z))), s);
  }
  Tensor out({n, horizon, d});
  for (Index t = 0; t < horizon; ++t) {
    const Var z = prior_head_->forward(ag::relu(prior_->forward(s.h))).rsample(gen);
    const Var fz = ag::relu(phi_z_->forward(z));
    const Tensor x = out_->distribution(decoder_step(fz, s.h))->sample(gen).reshape({n, d});
    for (Index b = 0; b < n; ++b) std::memcpy(out.data() + (b * horizon + t) * d, x.data() + b * d, sizeof(float) * d);
    VrnnInput one;
    one.steps = 1, one.rows = n, one.x = x.reshape({1, n, d});
    s = cell_.step(cat(phi_x(one, 0), fz), s);
  }
  return out;
}

}  // namespace xgrad::models
