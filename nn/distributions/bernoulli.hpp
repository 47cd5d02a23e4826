#pragma once
// Bernoulli: independent {0, 1} variables per element, parameterised by logits —
// the likelihood of binarised (or [0, 1]) pixels.
#include "xgrad/nn/distributions/distribution.hpp"

namespace xgrad::nn {

template <class T = float>
class Bernoulli : public Distribution<T> {
 public:
  using Var = autograd::Variable<T>;

  /// p = sigmoid(logits); the batch shape is logits' shape.
  explicit Bernoulli(autograd::Variable<T> logits);

  std::string name() const override { return "Bernoulli"; }
  core::Shape batch_shape() const override { return logits_.shape(); }
  const Var& logits() const { return logits_; }
  /// sigmoid(logits).
  Var probs() const;
  /// sigmoid(logits), the same as probs().
  Var mean() const override { return probs(); }

  using Distribution<T>::sample;  // 1 with probability sigmoid(logit), from `gen`

  /// Element-wise x log p + (1 - x) log(1 - p) = -bce_with_logits(logits, x), for x in
  /// [0, 1] broadcasting with the batch shape. The value gets no gradient: passing one
  /// that requires it (while recording) is an error rather than a silently missing gradient.
  Var log_prob(const Var& x) const override;
  /// -(bce_with_logits summed per row): the negation on one value per row instead of
  /// every element, forward and backward (the same bits: sums and negation commute).
  Var log_prob_rows(const Var& x) const override;
  /// Element-wise -p log p - (1 - p) log(1 - p) = softplus(l) - sigmoid(l) l.
  Var entropy() const override;

 protected:
  core::Tensor<T> sample_tensor(core::Generator& gen) const override;

 private:
  /// bce_with_logits(logits, x), element-wise over the broadcast shape: -log_prob(x).
  Var bce(const Var& x) const;

  Var logits_;
};

extern template class Bernoulli<float>;
extern template class Bernoulli<double>;

}  // namespace xgrad::nn
