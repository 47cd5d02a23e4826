#include "xgrad/nn/distributions/mixture.hpp"

#include <fmt/format.h>

#include <cmath>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::nn {

namespace ag = xgrad::autograd;
using core::Index;
using core::Shape;

namespace {

/// The first rank - drop dimensions of s.
Shape leading(const Shape& s, int drop) { return Shape(s.begin(), s.end() - drop); }

Shape with_tail(Shape s, std::initializer_list<Index> tail) {
  for (Index d : tail) s.push_back(d);
  return s;
}

}  // namespace

template <class T>
MixtureOfGaussians<T>::MixtureOfGaussians(autograd::Variable<T> logits, autograd::Variable<T> means,
                                          autograd::Variable<T> logvars)
    : logits_(std::move(logits)), means_(std::move(means)), logvars_(std::move(logvars)) {
  if (!logits_.defined() || !means_.defined() || !logvars_.defined())
    throw core::ValueError("MixtureOfGaussians: logits, means and logvars must be defined");
  const Shape &l = logits_.shape(), &m = means_.shape(), &v = logvars_.shape();
  if (l.rank() < 1 || m.rank() < 2 || v.rank() < 2 || l.dim(-1) != m.dim(-2) || m.dim(-2) != v.dim(-2) ||
      m.dim(-1) != v.dim(-1) || l.dim(-1) < 1)
    throw core::ShapeError(fmt::format(
        "MixtureOfGaussians: logits {}, means {} and logvars {} must be (..., K), (..., K, D) and (..., K, D)", l.str(),
        m.str(), v.str()));
  const char* op = "MixtureOfGaussians";
  batch_ = core::broadcast_shapes(core::broadcast_shapes(leading(l, 1), leading(m, 2), op), leading(v, 2), op);
}

template <class T>
typename MixtureOfGaussians<T>::Var MixtureOfGaussians<T>::log_prob(const Var& x) const {
  if (x.dim() < 1 || x.size(-1) != event_size())
    throw core::ShapeError(fmt::format("MixtureOfGaussians: value of shape {} must be (..., {}) for means {}",
                                       x.shape().str(), event_size(), means_.shape().str()));
  // x (..., 1, D) against every component (..., K, D): per-component joint densities (..., K).
  const Var per_dim = ag::gaussian_log_prob(ag::unsqueeze(x, x.dim() - 1), means_, logvars_);
  const Var per_component = ag::sum(per_dim, {per_dim.dim() - 1});
  const Var joint = ag::add(per_component, ag::log_softmax(logits_, -1));
  return ag::logsumexp(joint, {joint.dim() - 1});
}

template <class T>
typename MixtureOfGaussians<T>::Var MixtureOfGaussians<T>::mean() const {
  const Var w = ag::unsqueeze(ag::softmax(logits_, -1), logits_.dim());  // (..., K, 1)
  const Var weighted = ag::mul(w, means_);
  return ag::sum(weighted, {weighted.dim() - 2});
}

template <class T>
typename MixtureOfGaussians<T>::Var MixtureOfGaussians<T>::entropy() const {
  throw core::ValueError("MixtureOfGaussians: entropy has no closed form");
}

template <class T>
core::Tensor<T> MixtureOfGaussians<T>::sample_tensor(core::Generator& gen) const {
  const Index n = batch_.numel(), k = num_components(), d = event_size();
  // Materialise the broadcast parameters as rows: one mixture per batch element.
  const core::Tensor<T> z = core::broadcast_to(logits_.value(), with_tail(batch_, {k})).reshape(Shape{n, k});
  const core::Tensor<T> mu = core::broadcast_to(means_.value(), with_tail(batch_, {k, d}));
  const core::Tensor<T> lv = core::broadcast_to(logvars_.value(), with_tail(batch_, {k, d}));
  const core::IndexTensor pick = core::categorical(core::exp(core::sub(z, core::logsumexp(z, {1}, true))), gen);
  core::Tensor<T> out = core::normal<T>(Shape{n, d}, T(0), T(1), gen);
  for (Index i = 0; i < n; ++i) {
    const Index row = (i * k + pick.data()[i]) * d;
    T* o = out.data() + i * d;
    for (Index j = 0; j < d; ++j) o[j] = mu.data()[row + j] + std::exp(T(0.5) * lv.data()[row + j]) * o[j];
  }
  return std::move(out).reshape(with_tail(batch_, {d}));
}

template class MixtureOfGaussians<float>;
template class MixtureOfGaussians<double>;

}  // namespace xgrad::nn
