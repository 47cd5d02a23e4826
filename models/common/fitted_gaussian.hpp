#pragma once
// A Gaussian N(mean, cov) with a full covariance, fitted to a set of codes: the way to
// sample from a model whose codes have no prior, such as a deterministic autoencoder
// (the ex-post density estimation of Ghosh et al. 2020): fit it to the training codes
// once trained, then decode its draws. The mean and the Cholesky factor of the
// covariance are buffers, so a model file carries the fit.
#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::models {

using nn::Index;
using nn::Tensor;

class FittedGaussian : public nn::Module {
 public:
  /// Unfitted, over `dim` dimensions.
  explicit FittedGaussian(Index dim);

  /// Fits mean and covariance (normalised by N - 1) to codes (N, dim), N >= 2. A small
  /// ridge (1e-6 times the mean variance, at least 1e-12) keeps the covariance positive
  /// definite when some dimension is constant.
  void fit(const Tensor& codes);
  bool fitted() const { return fitted_.value().item() != 0.f; }
  /// n draws (n, dim): mean + eps L^T with eps ~ N(0, I) and cov = L L^T. core::Error unless fitted.
  Tensor sample(Index n, core::Generator& gen) const;

  const Tensor& mean() const { return mean_.value(); }
  /// The lower-triangular factor L of the covariance (dim, dim).
  const Tensor& scale_tril() const { return scale_tril_.value(); }
  std::string describe() const override;

 private:
  Index dim_;
  nn::Var mean_, scale_tril_, fitted_;
};

}  // namespace xgrad::models
