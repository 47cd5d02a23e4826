#include "xgrad/nn/optim/adam.hpp"

#include <cmath>

#include "xgrad/nn/optim/detail/fused.hpp"
#include "xgrad/nn/optim/detail/option_checks.hpp"

namespace xgrad::nn {

namespace {

AdamOptions checked(AdamOptions o, const char* who) {
  detail::require_nonnegative(who, "lr", o.lr);
  detail::require_nonnegative(who, "eps", o.eps);
  detail::require_nonnegative(who, "weight_decay", o.weight_decay);
  detail::require_fraction(who, "beta1", o.beta1);
  detail::require_fraction(who, "beta2", o.beta2);
  return o;
}

AdamOptions as_adam(const AdamWOptions& o) {
  return {.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay,
          .amsgrad = o.amsgrad};
}

}  // namespace

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled)
    : Optimizer(std::move(groups)), options_(checked(options, decoupled ? "AdamW" : "Adam")), decoupled_(decoupled) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options) : Adam(std::move(groups), options, false) {}

Adam::Adam(std::vector<Var> params, AdamOptions options)
    : Adam(std::vector<ParamGroup>{{std::move(params), options.lr}}, options, false) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions options) : Adam(std::move(groups), as_adam(options), true) {}

AdamW::AdamW(std::vector<Var> params, AdamWOptions options)
    : Adam(std::vector<ParamGroup>{{std::move(params), options.lr}}, as_adam(options), true) {}

void Adam::update(std::size_t g, std::size_t i) {
  using detail::Batch;
  const auto& o = options_;
  // Scalars are worked out in double and cast to float once, as PyTorch casts its
  // Python numbers; the loop then runs in float in PyTorch's operation order.
  const Batch b1(static_cast<float>(o.beta1)), c1(static_cast<float>(1 - o.beta1));
  const Batch b2(static_cast<float>(o.beta2)), c2(static_cast<float>(1 - o.beta2));
  const Batch eps(static_cast<float>(o.eps)), wd(static_cast<float>(o.weight_decay));
  const bool l2 = !decoupled_ && o.weight_decay != 0, decay = decoupled_ && o.weight_decay != 0;
  const double lr = groups()[g].lr;
  const Batch shrink(static_cast<float>(1 - lr * o.weight_decay));
  Var& p = groups()[g].params[i];
  const auto t = static_cast<double>(++param_step(g, i));
  const double bias1 = 1 - std::pow(o.beta1, t), bias2 = 1 - std::pow(o.beta2, t);
  const Batch neg_step(static_cast<float>(-(lr / bias1))), bias2_sqrt(static_cast<float>(std::sqrt(bias2)));
  float* w_data = p.value_mut().data();
  const float* g_data = p.grad().data();
  float* m = slot(g, i, "exp_avg").data();
  float* v = slot(g, i, "exp_avg_sq").data();
  float* v_max = o.amsgrad ? slot(g, i, "max_exp_avg_sq").data() : nullptr;
  // Captured by value: for_each_batch runs a local copy, so these stay in registers.
  detail::for_each_batch(p.numel(), [=](const auto& at) {
    Batch w = at.load(w_data), gk = at.load(g_data);
    if (l2) gk = detail::fmadd(w, wd, gk);
    if (decay) w = w * shrink;
    const Batch mk = detail::fmadd(gk, c1, at.load(m) * b1);
    const Batch vk = detail::fmadd(c2 * gk, gk, at.load(v) * b2);  // addcmul_, fused in PyTorch
    at.store(m, mk);
    at.store(v, vk);
    Batch second = vk;
    if (v_max) {
      second = xsimd::max(at.load(v_max), vk);
      at.store(v_max, second);
    }
    const Batch denom = xsimd::sqrt(second) / bias2_sqrt + eps;
    at.store(w_data, w + neg_step * mk / denom);
  });
}

}  // namespace xgrad::nn
