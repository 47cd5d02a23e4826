#include "xgrad/nn/optim/sgd.hpp"

#include "xgrad/nn/optim/detail/fused.hpp"
#include "xgrad/nn/optim/detail/option_checks.hpp"

namespace xgrad::nn {

namespace {

SGDOptions checked(SGDOptions o) {
  detail::require_nonnegative("SGD", "lr", o.lr);
  detail::require_nonnegative("SGD", "momentum", o.momentum);
  detail::require_nonnegative("SGD", "dampening", o.dampening);
  detail::require_nonnegative("SGD", "weight_decay", o.weight_decay);
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw core::ValueError("SGD: nesterov needs momentum > 0 and dampening 0");
  return o;
}

}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options)
    : Optimizer(std::move(groups)), options_(checked(options)) {}

SGD::SGD(std::vector<Var> params, SGDOptions options)
    : SGD(std::vector<ParamGroup>{{std::move(params), options.lr}}, options) {}

void SGD::update(std::size_t g, std::size_t i) {
  using detail::Batch;
  const auto& o = options_;
  // Coefficients are cast to float once, as PyTorch casts its Python scalars.
  const Batch wd(static_cast<float>(o.weight_decay)), mom(static_cast<float>(o.momentum)),
      keep(static_cast<float>(1 - o.dampening));
  const bool decay = o.weight_decay != 0, nesterov = o.nesterov;
  const Batch neg_lr(static_cast<float>(-groups()[g].lr));
  Var& p = groups()[g].params[i];
  const float* g_data = p.grad().data();
  float* w_data = p.value_mut().data();
  // PyTorch's `a.add(b, alpha=c)` is one fused multiply-add; so is ours.
  auto decayed = [=](Batch d, Batch w) { return decay ? detail::fmadd(w, wd, d) : d; };
  if (o.momentum == 0) {
    detail::for_each_batch(p.numel(), [=](const auto& at) {
      const Batch w = at.load(w_data);
      at.store(w_data, detail::fmadd(decayed(at.load(g_data), w), neg_lr, w));
    });
    return;
  }
  const bool first = !has_slot(g, i, "momentum_buffer");
  float* buf = slot(g, i, "momentum_buffer").data();
  detail::for_each_batch(p.numel(), [=](const auto& at) {
    const Batch w = at.load(w_data);
    const Batch d = decayed(at.load(g_data), w);
    const Batch b = first ? d : detail::fmadd(d, keep, at.load(buf) * mom);
    const Batch step = nesterov ? detail::fmadd(b, mom, d) : b;
    at.store(buf, b);
    at.store(w_data, detail::fmadd(step, neg_lr, w));
  });
}

}  // namespace xgrad::nn
