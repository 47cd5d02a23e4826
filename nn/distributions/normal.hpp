#pragma once
// Normal: independent Gaussians N(mean, exp(logvar)) per element — the
// diagonal-covariance Gaussian of VAE encoders, priors and Gaussian likelihoods.
// Parameterised by the log-variance (what encoder heads output); stddev = exp(0.5 logvar).
#include "xgrad/nn/distributions/distribution.hpp"

namespace xgrad::nn {

template <class T = float>
class Normal : public Distribution<T> {
 public:
  using Var = autograd::Variable<T>;

  /// `mean` and `logvar` broadcast together to the batch shape. (Spelled out, not
  /// Var, so that class template argument deduction works: Normal q(mu, logvar).)
  Normal(autograd::Variable<T> mean, autograd::Variable<T> logvar);
  /// N(0, 1) of the given shape without allocating its parameters (rank-0 zeros
  /// broadcast); kl_divergence(q, Normal::standard(...)) takes the kl_std_normal fast path.
  static Normal standard(const core::Shape& shape);

  std::string name() const override { return "Normal"; }
  core::Shape batch_shape() const override { return shape_; }
  bool is_standard() const { return standard_; }
  /// The parameters as given (not broadcast).
  const Var& loc() const { return mean_; }
  const Var& logvar() const { return logvar_; }

  /// The mean, broadcast to the batch shape.
  Var mean() const override;
  /// exp(0.5 logvar), broadcast to the batch shape.
  Var stddev() const;
  /// exp(logvar), broadcast to the batch shape.
  Var variance() const;

  /// mean + stddev * eps with eps ~ N(0, 1) drawn from `gen`: differentiable in
  /// both parameters (the reparameterisation trick), reproducible from a seed.
  Var rsample(core::Generator& gen) const override;
  using Distribution<T>::sample;  // a draw without gradient

  /// Element-wise log N(x; mean, exp(logvar)) (gaussian_log_prob); x broadcasts with the batch shape.
  Var log_prob(const Var& x) const override;
  /// Element-wise 0.5 (1 + log 2 pi) + 0.5 logvar, in the batch shape.
  Var entropy() const override;

 protected:
  core::Tensor<T> sample_tensor(core::Generator& gen) const override;

 private:
  Normal(Var mean, Var logvar, core::Shape shape, bool standard);
  Var broadcast(const Var& x) const;

  Var mean_;
  Var logvar_;
  core::Shape shape_;
  bool standard_ = false;
};

extern template class Normal<float>;
extern template class Normal<double>;

/// The normalised product of two Gaussian densities over the same variable (the Ladder
/// VAE's precision-weighted merge, Sønderby et al. 2016): precisions add, means are
/// precision-weighted. In log-variance form, stable for any pair:
///   logvar = la - softplus(la - lb),  mean = mb + sigmoid(lb - la) (ma - mb).
template <class T>
Normal<T> precision_weighted(const Normal<T>& a, const Normal<T>& b);

}  // namespace xgrad::nn
