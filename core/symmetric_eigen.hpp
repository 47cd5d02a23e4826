#pragma once
// Eigen-decomposition of a symmetric matrix through LAPACK (dsyevd, shipped by
// OpenBLAS): principal components of a covariance, whitening. In double.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

struct SymmetricEigen {
  Tensor<double> values;   ///< (n), largest first
  Tensor<double> vectors;  ///< (n, n), row i the unit eigenvector of values[i]
};

/// The eigenvalues and eigenvectors of a symmetric a (n, n) (only its upper triangle is
/// read), largest eigenvalue first. ValueError when a is not square; Error when LAPACK
/// does not converge.
SymmetricEigen symmetric_eigen(const Tensor<double>& a);

}  // namespace xgrad::core
