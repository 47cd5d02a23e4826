#include "xgrad/nn/optim/rmsprop.hpp"

#include "xgrad/nn/optim/detail/fused.hpp"
#include "xgrad/nn/optim/detail/option_checks.hpp"

namespace xgrad::nn {

namespace {

RMSpropOptions checked(RMSpropOptions o) {
  detail::require_nonnegative("RMSprop", "lr", o.lr);
  detail::require_nonnegative("RMSprop", "eps", o.eps);
  detail::require_nonnegative("RMSprop", "weight_decay", o.weight_decay);
  detail::require_nonnegative("RMSprop", "momentum", o.momentum);
  detail::require_fraction("RMSprop", "alpha", o.alpha, /*one_allowed=*/true);
  return o;
}

}  // namespace

RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options)
    : Optimizer(std::move(groups)), options_(checked(options)) {}

RMSprop::RMSprop(std::vector<Var> params, RMSpropOptions options)
    : RMSprop(std::vector<ParamGroup>{{std::move(params), options.lr}}, options) {}

void RMSprop::update(std::size_t g, std::size_t i) {
  const bool centered = options_.centered, momentum = options_.momentum > 0;
  if (centered)
    momentum ? update_as<true, true>(g, i) : update_as<true, false>(g, i);
  else
    momentum ? update_as<false, true>(g, i) : update_as<false, false>(g, i);
}

// The loop for one parameter; the flags pick which slots exist, at compile time.
template <bool Centered, bool Momentum>
void RMSprop::update_as(std::size_t group, std::size_t index) {
  using detail::Batch;
  const auto& o = options_;
  const Batch wd(static_cast<float>(o.weight_decay)), alpha(static_cast<float>(o.alpha)),
      keep(static_cast<float>(1 - o.alpha)), eps(static_cast<float>(o.eps)), mom(static_cast<float>(o.momentum)),
      neg_lr(static_cast<float>(-groups()[group].lr));
  const bool decay = o.weight_decay != 0;
  Var& p = groups()[group].params[index];
  ++param_step(group, index);
  float* w_data = p.value_mut().data();
  const float* g_data = p.grad().data();
  float* square_avg = slot(group, index, "square_avg").data();
  float* grad_avg = Centered ? slot(group, index, "grad_avg").data() : nullptr;
  float* buf = Momentum ? slot(group, index, "momentum_buffer").data() : nullptr;
  detail::for_each_batch(p.numel(), [=](const auto& at) {
    const Batch w = at.load(w_data);
    Batch gk = at.load(g_data);
    if (decay) gk = detail::fmadd(w, wd, gk);  // PyTorch's g.add(p, alpha=wd) is one fused multiply-add
    const Batch sq = detail::fmadd(keep * gk, gk, at.load(square_avg) * alpha);  // addcmul_, fused in PyTorch
    at.store(square_avg, sq);
    Batch avg;
    if constexpr (Centered) {
      const Batch ga = detail::fmadd(gk, keep, at.load(grad_avg) * alpha);
      at.store(grad_avg, ga);
      avg = xsimd::sqrt(detail::fmadd(Batch(-1.f) * ga, ga, sq)) + eps;
    } else {
      avg = xsimd::sqrt(sq) + eps;
    }
    if constexpr (Momentum) {
      const Batch b = at.load(buf) * mom + gk / avg;
      at.store(buf, b);
      at.store(w_data, detail::fmadd(b, neg_lr, w));
    } else {
      at.store(w_data, w + neg_lr * gk / avg);
    }
  });
}

}  // namespace xgrad::nn
