#include "xgrad/nn/distributions/kl.hpp"

#include <fmt/format.h>

#include <optional>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::nn {

namespace ag = xgrad::autograd;
using autograd::Variable;

template <class T>
Variable<T> kl_divergence(const Normal<T>& q, const Normal<T>& p) {
  const core::Shape shape = core::broadcast_shapes(q.batch_shape(), p.batch_shape(), "kl_divergence(Normal, Normal)");
  // The common VAE case, KL(q(z|x) || N(0, I)), has its own fused op.
  if (p.is_standard() && q.loc().shape() == shape && q.logvar().shape() == shape)
    return ag::kl_std_normal(q.loc(), q.logvar());
  const Variable<T> kl = ag::kl_diag_gaussians(q.loc(), q.logvar(), p.loc(), p.logvar());
  // Parameters may be smaller than their batch shape (Normal::standard): the
  // divergence is still one value per element of the broadcast batch.
  return kl.shape() == shape ? kl : ag::broadcast_to(kl, shape);
}

template <class T>
Variable<T> kl_divergence(const Bernoulli<T>& q, const Bernoulli<T>& p) {
  core::broadcast_shapes(q.batch_shape(), p.batch_shape(), "kl_divergence(Bernoulli, Bernoulli)");
  // With a = l_q, b = l_p and softplus(-x) = softplus(x) - x:
  //   q log(q/p) + (1-q) log((1-q)/(1-p)) = softplus(b) - softplus(a) + sigmoid(a) (a - b),
  // every term stable for large |logits| and differentiable in both.
  const Variable<T>& a = q.logits();
  const Variable<T>& b = p.logits();
  return ag::add(ag::sub(ag::softplus(b), ag::softplus(a)), ag::mul(ag::sigmoid(a), ag::sub(a, b)));
}

template <class T>
Variable<T> kl_divergence(const Categorical<T>& q, const Categorical<T>& p) {
  if (q.num_classes() != p.num_classes())
    throw core::ShapeError(fmt::format("kl_divergence(Categorical, Categorical): logits {} and {} have different K",
                                       q.logits().shape().str(), p.logits().shape().str()));
  core::broadcast_shapes(q.batch_shape(), p.batch_shape(), "kl_divergence(Categorical, Categorical)");
  const Variable<T> lq = q.log_probs();
  const Variable<T> lp = p.log_probs();
  const Variable<T> terms = ag::mul(ag::exp(lq), ag::sub(lq, lp));
  return ag::sum(terms, {terms.dim() - 1});
}

namespace {

/// KL(q, p) when both have the dynamic type D, else nothing.
template <template <class> class D, class T>
std::optional<Variable<T>> kl_if(const Distribution<T>& q, const Distribution<T>& p) {
  const auto* a = dynamic_cast<const D<T>*>(&q);
  const auto* b = dynamic_cast<const D<T>*>(&p);
  if (a == nullptr || b == nullptr) return std::nullopt;
  return kl_divergence(*a, *b);
}

}  // namespace

template <class T>
Variable<T> kl_divergence(const Distribution<T>& q, const Distribution<T>& p) {
  if (auto kl = kl_if<Normal>(q, p)) return *kl;
  if (auto kl = kl_if<Bernoulli>(q, p)) return *kl;
  if (auto kl = kl_if<Categorical>(q, p)) return *kl;
  throw core::ValueError(fmt::format("kl_divergence: no closed form for {} and {}", q.name(), p.name()));
}

template <class T>
bool has_closed_form_kl(const Distribution<T>& q, const Distribution<T>& p) {
  auto both = [&]<template <class> class D>() {
    return dynamic_cast<const D<T>*>(&q) != nullptr && dynamic_cast<const D<T>*>(&p) != nullptr;
  };
  return both.template operator()<Normal>() || both.template operator()<Bernoulli>() ||
         both.template operator()<Categorical>();
}

#define XGRAD_INSTANTIATE(T)                                                        \
  template bool has_closed_form_kl(const Distribution<T>&, const Distribution<T>&); \
  template Variable<T> kl_divergence(const Normal<T>&, const Normal<T>&);           \
  template Variable<T> kl_divergence(const Bernoulli<T>&, const Bernoulli<T>&);     \
  template Variable<T> kl_divergence(const Categorical<T>&, const Categorical<T>&); \
  template Variable<T> kl_divergence(const Distribution<T>&, const Distribution<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::nn
