#pragma once
// Categorical: one of K classes per batch element, parameterised by logits over
// the last axis — the likelihood of characters in the text VRNN, and of labels.
#include "xgrad/nn/distributions/distribution.hpp"

namespace xgrad::nn {

template <class T = float>
class Categorical : public Distribution<T> {
 public:
  using Var = autograd::Variable<T>;

  /// logits (..., K), K >= 1; the batch shape is (...).
  explicit Categorical(autograd::Variable<T> logits);

  std::string name() const override { return "Categorical"; }
  core::Shape batch_shape() const override;
  core::Index num_classes() const { return logits_.size(-1); }
  const Var& logits() const { return logits_; }
  /// softmax(logits) over the last axis, (..., K).
  Var probs() const;
  /// log_softmax(logits) over the last axis, (..., K).
  Var log_probs() const;
  /// Classes are unordered: there is no mean, so this throws (use probs()).
  Var mean() const override;

  /// One class index per batch element, drawn from softmax(logits / temperature)
  /// with `gen`: temperature < 1 sharpens, > 1 flattens (text generation). Hides
  /// Distribution::sample, which gives the same indices as T values.
  core::IndexTensor sample(core::Generator& gen, T temperature = T(1)) const;
  /// The most likely class per batch element (the first on ties).
  core::IndexTensor mode() const;

  /// log softmax(logits)[value] per batch element (cross_entropy); `value` has the batch shape.
  Var log_prob(const core::IndexTensor& value) const;
  /// The same with class indices stored as T (the Distribution interface); no gradient to them.
  Var log_prob(const Var& value) const override;
  /// -sum_k p_k log p_k per batch element.
  Var entropy() const override;

 protected:
  core::Tensor<T> sample_tensor(core::Generator& gen) const override;

 private:
  Var logits_;
};

extern template class Categorical<float>;
extern template class Categorical<double>;

}  // namespace xgrad::nn
