#include "xgrad/nn/optim/sgd.hpp"

#include <fmt/format.h>

#include "xgrad/nn/optim/detail/fused.hpp"

namespace xgrad::nn {

namespace {

SGDOptions checked(SGDOptions o) {
  auto nonneg = [](double v, const char* what) {
    if (!(v >= 0)) throw core::ValueError(fmt::format("SGD: {} {} must be >= 0", what, v));
  };
  nonneg(o.lr, "lr");
  nonneg(o.momentum, "momentum");
  nonneg(o.dampening, "dampening");
  nonneg(o.weight_decay, "weight_decay");
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw core::ValueError("SGD: nesterov needs momentum > 0 and dampening 0");
  return o;
}

}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options)
    : Optimizer(std::move(groups)), options_(checked(options)) {}

SGD::SGD(std::vector<Var> params, SGDOptions options)
    : SGD(std::vector<ParamGroup>{{std::move(params), options.lr}}, options) {}

void SGD::step() {
  using detail::Batch;
  const auto& o = options_;
  // Coefficients are cast to float once, as PyTorch casts its Python scalars.
  const Batch wd(static_cast<float>(o.weight_decay)), mom(static_cast<float>(o.momentum)),
      keep(static_cast<float>(1 - o.dampening));
  const bool decay = o.weight_decay != 0, nesterov = o.nesterov;
  for (std::size_t g = 0; g < groups().size(); ++g) {
    const Batch neg_lr(static_cast<float>(-groups()[g].lr));
    for (std::size_t i = 0; i < groups()[g].params.size(); ++i) {
      Var& p = groups()[g].params[i];
      if (!p.grad().defined()) continue;
      const Tensor& grad = checked_grad(g, i);
      Tensor& value = p.value_mut();
      // PyTorch's `a.add(b, alpha=c)` is one fused multiply-add; so is ours.
      auto decayed = [&](Batch d, Batch w) { return decay ? xsimd::fma(w, wd, d) : d; };
      if (o.momentum == 0) {
        detail::for_each_batch<1, 1>(value.numel(), {grad.data()}, {value.data()}, [&](auto& in, auto& out, Index k) {
          const Batch w = detail::load(out[0], k);
          detail::store(out[0], k, xsimd::fma(decayed(detail::load(in[0], k), w), neg_lr, w));
        });
        continue;
      }
      const bool first = !has_slot(g, i, "momentum_buffer");
      Tensor& buf = slot(g, i, "momentum_buffer");
      detail::for_each_batch<1, 2>(value.numel(), {grad.data()}, {value.data(), buf.data()},
                                   [&](auto& in, auto& out, Index k) {
                                     const Batch w = detail::load(out[0], k);
                                     const Batch d = decayed(detail::load(in[0], k), w);
                                     const Batch b = first ? d : xsimd::fma(d, keep, detail::load(out[1], k) * mom);
                                     const Batch step = nesterov ? xsimd::fma(b, mom, d) : b;
                                     detail::store(out[1], k, b);
                                     detail::store(out[0], k, xsimd::fma(step, neg_lr, w));
                                   });
    }
  }
  ++steps_;
}

}  // namespace xgrad::nn
