#pragma once
// The Cholesky factor of a small symmetric positive-definite matrix (a covariance
// of a few dozen dimensions, e.g. of a model's codes): sampling N(mu, S) is
// mu + L eps with S = L L^T. A plain O(n^3) loop in double; not for large matrices.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// Lower-triangular L (n, n) with a = L L^T, for a symmetric positive-definite a (n, n)
/// (only its lower triangle is read). ValueError when a is not square or not positive definite.
Tensor<double> cholesky(const Tensor<double>& a);

}  // namespace xgrad::core
