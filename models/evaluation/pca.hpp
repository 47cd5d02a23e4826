#pragma once
// Principal component analysis: the k directions of largest variance of a set of rows,
// from the eigen-decomposition of their covariance (LAPACK through core::symmetric_eigen).
// The baseline a learned code is measured against: features of the same size for a
// linear probe, and a reconstruction error for anomaly scores.
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::models {

class Pca {
 public:
  /// Fits k components to the rows of x (N, D), 1 <= k <= D, N >= 2. Each component's
  /// sign is fixed so that its largest-magnitude entry is positive (the same fit on any machine).
  static Pca fit(const core::Tensor<float>& x, core::Index k);

  /// Coordinates of the rows of x (N, D) along the components (N, k).
  core::Tensor<float> project(const core::Tensor<float>& x) const;
  /// The rows of x projected onto the components' span and mapped back (N, D).
  core::Tensor<float> reconstruct(const core::Tensor<float>& x) const;
  /// Mean squared error per entry of each row's reconstruction.
  std::vector<double> reconstruction_error(const core::Tensor<float>& x) const;

  const core::Tensor<double>& mean() const { return mean_; }              ///< (D)
  const core::Tensor<double>& components() const { return components_; }  ///< (k, D), orthonormal rows
  const core::Tensor<double>& variances() const { return variances_; }    ///< (k), largest first

 private:
  core::Tensor<double> mean_, components_, variances_;
};

}  // namespace xgrad::models
