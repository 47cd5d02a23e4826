#pragma once
// MixtureOfGaussians: K diagonal Gaussians over vectors of D dimensions, mixed
// with weights softmax(logits) — a multimodal prior (GMM-VAE) or likelihood.
#include "xgrad/nn/distributions/distribution.hpp"

namespace xgrad::nn {

template <class T = float>
class MixtureOfGaussians : public Distribution<T> {
 public:
  using Var = autograd::Variable<T>;

  /// logits (..., K), means and logvars (..., K, D); the leading (...) broadcast
  /// together to the batch shape — e.g. logits (K) and means (K, D) make one mixture
  /// that scores a batch x (B, D). K and D must agree.
  MixtureOfGaussians(autograd::Variable<T> logits, autograd::Variable<T> means, autograd::Variable<T> logvars);

  std::string name() const override { return "MixtureOfGaussians"; }
  core::Shape batch_shape() const override { return batch_; }
  core::Index num_components() const { return logits_.size(-1); }
  /// D, the length of a value vector.
  core::Index event_size() const { return means_.size(-1); }
  const Var& logits() const { return logits_; }
  const Var& means() const { return means_; }
  const Var& logvars() const { return logvars_; }

  /// log sum_k w_k N(x; mean_k, diag exp(logvar_k)) for x (..., D) -> (...):
  /// gaussian_log_prob summed over D inside each component, plus log_softmax(logits),
  /// then logsumexp over the components.
  Var log_prob(const Var& x) const override;
  /// sum_k w_k mean_k, (batch..., D).
  Var mean() const override;
  /// No closed form: throws.
  Var entropy() const override;
  /// Picks a component per batch element, then draws from it: (batch..., D). Not
  /// reparameterisable (the pick is discrete), so there is no rsample.
  using Distribution<T>::sample;

 protected:
  core::Tensor<T> sample_tensor(core::Generator& gen) const override;

 private:
  Var logits_;
  Var means_;
  Var logvars_;
  core::Shape batch_;
};

extern template class MixtureOfGaussians<float>;
extern template class MixtureOfGaussians<double>;

}  // namespace xgrad::nn
