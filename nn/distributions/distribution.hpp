#pragma once
// Distribution<T>: the small type-erased base of the probability distributions,
// so a model can hold "a likelihood" or "a prior" without knowing which one.
//
// Shape conventions (the same for every distribution):
// - batch_shape() is the shape of the parameters after broadcasting; log_prob and
//   entropy return one value per batch element and never sum for the caller.
// - Normal and Bernoulli are element-wise: the value has the batch shape (or one
//   that broadcasts with it) and log_prob is per dimension; sum the event dims with
//   sum_event(lp, n) — e.g. sum_event(q.log_prob(z), 1) for a (B, D) latent.
// - Categorical's value is one class index per batch element (logits (..., K)).
// - MixtureOfGaussians' value is a vector (..., D); log_prob already sums over D.
//
// T is float (the default, what nn uses) or double (what gradcheck uses).
#include <string>

#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/random.hpp"

namespace xgrad::nn {

template <class T = float>
class Distribution {
 public:
  using value_type = T;
  virtual ~Distribution() = default;

  /// "Normal", "Bernoulli", ... — what error messages and kl_divergence call it.
  virtual std::string name() const = 0;
  /// The shape of the parameters after broadcasting (see the conventions above).
  virtual core::Shape batch_shape() const = 0;
  /// log p(value), one entry per batch element (per dimension for element-wise ones).
  virtual autograd::Variable<T> log_prob(const autograd::Variable<T>& value) const = 0;
  /// log_prob(value) summed over every axis but the first: one joint log-density per
  /// example (B), what a likelihood over whole examples scores; a 1-D result as it is.
  virtual autograd::Variable<T> log_prob_rows(const autograd::Variable<T>& value) const;
  /// Entropy in nats, in the shape of log_prob's result.
  virtual autograd::Variable<T> entropy() const = 0;
  /// E[x] (Categorical has none and throws).
  virtual autograd::Variable<T> mean() const = 0;
  /// A draw without gradient, in the encoding log_prob accepts (Categorical: class
  /// indices as T values). Concrete classes may offer a richer `sample` that hides this.
  core::Tensor<T> sample(core::Generator& gen) const { return sample_tensor(gen); }
  /// A draw differentiable in the parameters (the reparameterisation trick); throws
  /// core::ValueError for a family that has none (discrete ones, mixtures).
  virtual autograd::Variable<T> rsample(core::Generator& gen) const;

 protected:
  Distribution() = default;
  Distribution(const Distribution&) = default;
  Distribution& operator=(const Distribution&) = default;
  virtual core::Tensor<T> sample_tensor(core::Generator& gen) const = 0;
};

/// x summed over every axis but the first ((B, ...) -> (B)); a 0-d or 1-D x as it is.
template <class T>
autograd::Variable<T> sum_rows(const autograd::Variable<T>& x);

/// Sums the last `n_event_dims` axes of a per-dimension log-density or KL: the
/// joint of independent dimensions. n_event_dims = 0 returns x unchanged.
template <class T>
autograd::Variable<T> sum_event(const autograd::Variable<T>& x, int n_event_dims = 1);

extern template class Distribution<float>;
extern template class Distribution<double>;

}  // namespace xgrad::nn
