#include "xgrad/autograd/ops_fused.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/detail/xt.hpp"
#include "xgrad/core/dropout.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/losses.hpp"
#include "xgrad/core/reduce.hpp"

// The fused ops compute their value and gradient with one vectorised pass each
// (xsimd through xtensor), instead of a chain of small ops: these are the losses
// and ELBO terms evaluated on every batch, where a chain would cost an allocation
// and a memory pass per step of the formula.
namespace xgrad::autograd {

namespace c = xgrad::core;
using c::detail::flat;
using detail::record;

namespace {

void require_same_shape(const char* op, const Shape& a, const Shape& b) {
  if (a != b) throw core::ShapeError(fmt::format("{}: shapes {} and {} must be equal", op, a.str(), b.str()));
}

}  // namespace

template <class T>
Variable<T> log_softmax(const Variable<T>& x, int axis) {
  const Tensor<T>& xv = x.value();
  Tensor<T> y = c::sub(xv, c::logsumexp(xv, {axis}, true));
  return record(OpId::log_softmax, std::move(y), [axis](Node<T>& self, Tensor<T>& gy) {
    // dx = gy - softmax * sum(gy)
    self.accumulate(0, c::sub(gy, c::mul(c::exp(self.value), c::sum(gy, {axis}, true))));
  }, x);
}

template <class T>
Variable<T> softmax(const Variable<T>& x, int axis) {
  const Tensor<T>& xv = x.value();
  Tensor<T> y = c::exp(c::sub(xv, c::logsumexp(xv, {axis}, true)));
  return record(OpId::softmax, std::move(y), [axis](Node<T>& self, Tensor<T>& gy) {
    // dx = y * (gy - sum(gy * y))
    const Tensor<T>& y = self.value;
    self.accumulate(0, c::mul(y, c::sub(gy, c::sum(c::mul(gy, y), {axis}, true))));
  }, x);
}

template <class T>
Variable<T> bce_with_logits(const Variable<T>& logits, const Tensor<T>& targets) {
  require_same_shape("bce_with_logits", logits.shape(), targets.shape());
  auto [loss, dz] = c::bce_with_logits(logits.value(), targets);
  return record(OpId::bce_with_logits, std::move(loss), [dz = std::move(dz)](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::mul(gy, dz));  // d/dz = gy (sigmoid(z) - t), dz saved by the forward pass
  }, logits);
}

template <class T>
Variable<T> cross_entropy(const Variable<T>& logits, const core::IndexTensor& labels) {
  // Logits (..., C) against labels of the leading shape: a sequence model's (B, L, C) needs
  // no reshape (a copy of every logit) to become rows.
  const Tensor<T>& z = logits.value();
  const Shape& zs = z.shape();
  const bool fits = z.dim() >= 1 && labels.dim() == z.dim() - 1 &&
                    std::equal(labels.shape().begin(), labels.shape().end(), zs.begin());
  if (!fits)
    throw core::ShapeError(fmt::format("cross_entropy: logits {} and labels {} must be (..., C) and (...), e.g. (N, C) and (N)",
                                       zs.str(), labels.shape().str()));
  const Index rows = labels.numel(), classes = z.size(-1);
  for (Index i = 0; i < rows; ++i)
    if (labels.data()[i] < 0 || labels.data()[i] >= classes)
      throw core::ValueError(fmt::format("cross_entropy: label {} at row {} is outside [0, {})", labels.data()[i], i,
                                         classes));
  Tensor<T> lse = c::logsumexp(z, {-1}, false);
  Tensor<T> loss(labels.shape());
  for (Index i = 0; i < rows; ++i) loss.data()[i] = lse.data()[i] - z.data()[i * classes + labels.data()[i]];
  return record(OpId::cross_entropy, std::move(loss), [labels, lse = std::move(lse)](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::cross_entropy_backward(self.input(0), labels, lse, gy));  // gy (softmax(z) - onehot)
  }, logits);
}

template <class T>
Variable<T> gaussian_log_prob(const Variable<T>& x, const Variable<T>& mu, const Variable<T>& logvar) {
  constexpr T log_2pi = T(1.8378770664093454835606594728112);
  const Tensor<T> d = c::sub(x.value(), mu.value());
  const Tensor<T> inv_var = c::exp(c::neg(logvar.value()));
  // -0.5 (log 2 pi + lv + d^2 / var)
  Tensor<T> y = c::mul(c::add(c::add(c::mul(c::square(d), inv_var), logvar.value()), log_2pi), T(-0.5));
  return record(OpId::gaussian_log_prob, std::move(y), [](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T> d = c::sub(self.input(0), self.input(1));
    const Tensor<T> inv_var = c::exp(c::neg(self.input(2)));
    const Tensor<T> g_mu = c::mul(gy, c::mul(d, inv_var));  // d/dmu = d / var; d/dx = -d / var
    if (self.needs_grad(0)) self.accumulate(0, c::sum_to(c::neg(g_mu), self.input(0).shape()));
    if (self.needs_grad(1)) self.accumulate(1, c::sum_to(g_mu, self.input(1).shape()));
    if (self.needs_grad(2))  // d/dlv = -0.5 (1 - d^2 / var)
      self.accumulate(2, c::sum_to(c::mul(gy, c::mul(c::rsub(T(1), c::mul(c::square(d), inv_var)), T(-0.5))),
                                   self.input(2).shape()));
  }, x, mu, logvar);
}

template <class T>
Variable<T> kl_diag_gaussians(const Variable<T>& mu_q, const Variable<T>& logvar_q, const Variable<T>& mu_p,
                              const Variable<T>& logvar_p) {
  const Tensor<T> d = c::sub(mu_q.value(), mu_p.value());
  const Tensor<T> inv_vp = c::exp(c::neg(logvar_p.value()));
  const Tensor<T> ratio = c::mul(c::add(c::exp(logvar_q.value()), c::square(d)), inv_vp);  // (vq + d^2) / vp
  Tensor<T> y = c::mul(c::sub(c::add(c::sub(logvar_p.value(), logvar_q.value()), ratio), T(1)), T(0.5));
  return record(OpId::kl_diag_gaussians, std::move(y), [](Node<T>& self, Tensor<T>& gy) {
    const Tensor<T> d = c::sub(self.input(0), self.input(2));
    const Tensor<T> inv_vp = c::exp(c::neg(self.input(3)));
    const Tensor<T> g_mu = c::mul(gy, c::mul(d, inv_vp));
    if (self.needs_grad(0)) self.accumulate(0, c::sum_to(g_mu, self.input(0).shape()));
    if (self.needs_grad(2)) self.accumulate(2, c::sum_to(c::neg(g_mu), self.input(2).shape()));
    if (self.needs_grad(1))  // 0.5 (vq / vp - 1)
      self.accumulate(1, c::sum_to(c::mul(gy, c::mul(c::sub(c::mul(c::exp(self.input(1)), inv_vp), T(1)), T(0.5))),
                                   self.input(1).shape()));
    if (self.needs_grad(3)) {  // 0.5 (1 - (vq + d^2) / vp)
      const Tensor<T> ratio = c::mul(c::add(c::exp(self.input(1)), c::square(d)), inv_vp);
      self.accumulate(3, c::sum_to(c::mul(gy, c::mul(c::rsub(T(1), ratio), T(0.5))), self.input(3).shape()));
    }
  }, mu_q, logvar_q, mu_p, logvar_p);
}

template <class T>
Variable<T> vq_distance_loss(const Variable<T>& a, const Variable<T>& b, double wa, double wb) {
  require_same_shape("vq_distance_loss", a.shape(), b.shape());
  if (a.dim() != 2) throw core::ShapeError(fmt::format("vq_distance_loss: rows {} are not (N, D)", a.shape().str()));
  // One pass for the value, one for both gradients: the composed pair (two detached copies,
  // two differences, squares and sums, and their backward passes) was ~2 % of the VQ-VAE step.
  const double s = c::mean_row_squared_distance(a.value(), b.value());
  return record(OpId::vq_distance_loss, Tensor<T>::scalar(static_cast<T>((wa + wb) * s)),
                [wa, wb](Node<T>& self, Tensor<T>& gy) {
    const double g = 2.0 * static_cast<double>(gy.data()[0]) / static_cast<double>(self.input(0).size(0));
    Tensor<T> ga, gb;
    if (self.needs_grad(0)) ga = Tensor<T>(self.input(0).shape());
    if (self.needs_grad(1)) gb = Tensor<T>(self.input(1).shape());
    c::squared_distance_grads(self.input(0), self.input(1), static_cast<T>(g * wa), static_cast<T>(g * wb),
                              ga.defined() ? &ga : nullptr, gb.defined() ? &gb : nullptr);
    if (ga.defined()) self.accumulate(0, std::move(ga));
    if (gb.defined()) self.accumulate(1, std::move(gb));
  }, a, b);
}

template <class T>
Variable<T> kl_std_normal(const Variable<T>& mu, const Variable<T>& logvar) {
  require_same_shape("kl_std_normal", mu.shape(), logvar.shape());
  const Index n = mu.numel();
  Tensor<T> y(mu.shape());
  {
    auto m = flat(mu.value().data(), n);
    auto lv = flat(logvar.value().data(), n);
    auto out = flat(y.data(), n);
    xt::noalias(out) = T(0.5) * (m * m + xt::exp(lv) - T(1) - lv);
  }
  return record(OpId::kl_std_normal, std::move(y), [](Node<T>& self, Tensor<T>& gy) {
    const Index n = gy.numel();
    auto go = flat(gy.data(), n);
    if (self.needs_grad(0)) {  // d/dmu = mu
      Tensor<T> g(gy.shape());
      auto out = flat(g.data(), n);
      xt::noalias(out) = go * flat(self.input(0).data(), n);
      self.accumulate(0, std::move(g));
    }
    if (self.needs_grad(1)) {  // d/dlv = 0.5 (exp(lv) - 1)
      Tensor<T> g(gy.shape());
      auto out = flat(g.data(), n);
      xt::noalias(out) = go * T(0.5) * (xt::exp(flat(self.input(1).data(), n)) - T(1));
      self.accumulate(1, std::move(g));
    }
  }, mu, logvar);
}

template <class T>
Variable<T> dropout(const Variable<T>& x, T p, bool training, core::Generator& gen) {
  if (p < T(0) || p >= T(1)) throw core::ValueError(fmt::format("dropout: probability {} is outside [0, 1)", p));
  if (!training || p == T(0)) return x;
  Tensor<T> mask = c::bernoulli(x.shape(), T(1) - p, gen);
  c::mul_(mask, T(1) / (T(1) - p));
  Tensor<T> y = c::mul(x.value(), mask);
  return record(OpId::dropout, std::move(y), [mask = std::move(mask)](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::mul(gy, mask));
  }, x);
}

namespace {

// Index of x's first element in the whole batch when the generator holds a shard of it.
template <class T>
Index shard_first(const Tensor<T>& x, const core::Generator& gen) {
  const auto& sh = gen.row_shard();
  return sh.total > 0 && x.dim() > 0 && x.size(0) == sh.rows ? sh.offset * (x.numel() / sh.rows) : 0;
}

}  // namespace

template <class T>
Variable<T> hashed_dropout(const Variable<T>& x, T p, core::Generator& gen) {
  if (p < T(0) || p >= T(1)) throw core::ValueError(fmt::format("dropout: probability {} is outside [0, 1)", p));
  if (p == T(0)) return x;
  const std::uint64_t seed = gen.next_u64();
  const Index first = shard_first(x.value(), gen);
  Tensor<T> y(x.shape());
  c::hashed_dropout(y.data(), x.value().data(), y.numel(), first, p, seed);
  return record(OpId::hashed_dropout, std::move(y), [p, seed, first](Node<T>& self, Tensor<T>& gy) {
    c::hashed_dropout(gy.data(), gy.data(), gy.numel(), first, p, seed);  // gy is this node's own: reuse it
    self.accumulate_reduced(0, gy, true);
  }, x);
}

#define XGRAD_INSTANTIATE(T)                                                                                      \
  template Variable<T> log_softmax(const Variable<T>&, int);                                                      \
  template Variable<T> softmax(const Variable<T>&, int);                                                          \
  template Variable<T> bce_with_logits(const Variable<T>&, const Tensor<T>&);                                     \
  template Variable<T> cross_entropy(const Variable<T>&, const core::IndexTensor&);                               \
  template Variable<T> gaussian_log_prob(const Variable<T>&, const Variable<T>&, const Variable<T>&);             \
  template Variable<T> kl_diag_gaussians(const Variable<T>&, const Variable<T>&, const Variable<T>&,              \
                                         const Variable<T>&);                                                     \
  template Variable<T> kl_std_normal(const Variable<T>&, const Variable<T>&);                                     \
  template Variable<T> vq_distance_loss(const Variable<T>&, const Variable<T>&, double, double);                  \
  template Variable<T> dropout(const Variable<T>&, T, bool, core::Generator&);                                   \
  template Variable<T> hashed_dropout(const Variable<T>&, T, core::Generator&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::autograd
