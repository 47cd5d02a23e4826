#include "xgrad/nn/distributions/categorical.hpp"

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

template <class T>
Categorical<T>::Categorical(autograd::Variable<T> logits) : logits_(std::move(logits)) {
  if (!logits_.defined()) throw core::ValueError("Categorical: logits must be defined");
  if (logits_.dim() < 1 || logits_.size(-1) < 1)
    throw core::ShapeError(
        fmt::format("Categorical: logits must have shape (..., K) with K >= 1, got {}", logits_.shape().str()));
}

template <class T>
core::Shape Categorical<T>::batch_shape() const {
  const core::Shape& s = logits_.shape();
  return core::Shape(s.begin(), s.end() - 1);
}

template <class T>
typename Categorical<T>::Var Categorical<T>::probs() const {
  return ag::softmax(logits_, -1);
}

template <class T>
typename Categorical<T>::Var Categorical<T>::log_probs() const {
  return ag::log_softmax(logits_, -1);
}

template <class T>
typename Categorical<T>::Var Categorical<T>::mean() const {
  throw core::ValueError("Categorical: has no mean (its classes are unordered); use probs() or mode()");
}

template <class T>
core::IndexTensor Categorical<T>::sample(core::Generator& gen, T temperature) const {
  if (!(temperature > T(0)) || !std::isfinite(static_cast<double>(temperature)))
    throw core::ValueError(
        fmt::format("Categorical: sampling temperature must be positive and finite, got {}", temperature));
  const core::Index k = num_classes();
  core::Tensor<T> z = logits_.value().reshape(core::Shape{-1, k});
  if (temperature != T(1)) z = core::div(z, temperature);
  // Probabilities from shifted exponentials, so large logits cannot overflow.
  const core::Tensor<T> p = core::exp(core::sub(z, core::logsumexp(z, {1}, true)));
  return core::categorical(p, gen).reshape(batch_shape());
}

template <class T>
core::IndexTensor Categorical<T>::mode() const {
  return core::argmax(logits_.value(), -1);
}

template <class T>
typename Categorical<T>::Var Categorical<T>::log_prob(const core::IndexTensor& value) const {
  const core::Shape batch = batch_shape();
  if (value.shape() != batch)
    throw core::ShapeError(fmt::format("Categorical: value of shape {} does not match the batch shape {} (logits {})",
                                       value.shape().str(), batch.str(), logits_.shape().str()));
  const core::Index k = num_classes();
  for (core::Index c : value)
    if (c < 0 || c >= k) throw core::ValueError(fmt::format("Categorical: class {} is outside [0, {})", c, k));
  // cross_entropy takes the logits with their batch shape: no reshape (a copy of every logit).
  return ag::neg(ag::cross_entropy(logits_, value));
}

template <class T>
typename Categorical<T>::Var Categorical<T>::log_prob(const Var& value) const {
  for (T v : value.value())
    if (v != std::round(v))
      throw core::ValueError(fmt::format("Categorical: value {} is not a class index", static_cast<double>(v)));
  return log_prob(value.value().template to<core::Index>());
}

template <class T>
typename Categorical<T>::Var Categorical<T>::entropy() const {
  const Var lp = log_probs();
  return ag::neg(ag::sum(ag::mul(ag::exp(lp), lp), {-1}));
}

template <class T>
core::Tensor<T> Categorical<T>::sample_tensor(core::Generator& gen) const {
  return sample(gen).template to<T>();
}

template class Categorical<float>;
template class Categorical<double>;

}  // namespace xgrad::nn
