#include "xgrad/nn/distributions/bernoulli.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"

namespace xgrad::nn {

namespace ag = xgrad::autograd;

template <class T>
Bernoulli<T>::Bernoulli(autograd::Variable<T> logits) : logits_(std::move(logits)) {
  if (!logits_.defined()) throw core::ValueError("Bernoulli: logits must be defined");
}

template <class T>
typename Bernoulli<T>::Var Bernoulli<T>::probs() const {
  return ag::sigmoid(logits_);
}

template <class T>
typename Bernoulli<T>::Var Bernoulli<T>::bce(const Var& x) const {
  if (x.requires_grad() && autograd::grad_enabled())
    throw core::ValueError(
        fmt::format("Bernoulli: log_prob gives no gradient to the value (shape {}); detach it", x.shape().str()));
  // bce_with_logits wants equal shapes: broadcast whichever side is smaller.
  const core::Shape shape = core::broadcast_shapes(logits_.shape(), x.shape(), "Bernoulli.log_prob");
  const Var logits = logits_.shape() == shape ? logits_ : ag::broadcast_to(logits_, shape);
  if (x.shape() == shape) return ag::bce_with_logits(logits, x.value());
  return ag::bce_with_logits(logits, core::broadcast_to(x.value(), shape));
}

template <class T>
typename Bernoulli<T>::Var Bernoulli<T>::log_prob(const Var& x) const {
  return ag::neg(bce(x));
}

template <class T>
typename Bernoulli<T>::Var Bernoulli<T>::log_prob_rows(const Var& x) const {
  return ag::neg(sum_rows(bce(x)));
}

template <class T>
typename Bernoulli<T>::Var Bernoulli<T>::entropy() const {
  // -[p log p + (1-p) log(1-p)] = p softplus(-l) + (1-p) softplus(l) = softplus(l) - p l,
  // using softplus(-l) = softplus(l) - l. Both terms keep their gradient to the logits
  // (bce_with_logits(l, sigmoid(l)) has the value but not the gradient through p).
  return ag::sub(ag::softplus(logits_), ag::mul(ag::sigmoid(logits_), logits_));
}

template <class T>
core::Tensor<T> Bernoulli<T>::sample_tensor(core::Generator& gen) const {
  return core::bernoulli(core::sigmoid(logits_.value()), gen);
}

template class Bernoulli<float>;
template class Bernoulli<double>;

}  // namespace xgrad::nn
