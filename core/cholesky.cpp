#include "xgrad/core/cholesky.hpp"

#include <fmt/format.h>

#include <cmath>

namespace xgrad::core {

Tensor<double> cholesky(const Tensor<double>& a) {
  if (a.dim() != 2 || a.size(0) != a.size(1))
    throw ValueError(fmt::format("cholesky: the matrix must be square, got {}", a.shape().str()));
  const Index n = a.size(0);
  Tensor<double> l = Tensor<double>::zeros(a.shape());
  const double* A = a.data();
  double* L = l.data();
  // Cholesky–Banachiewicz: row by row, each entry from the ones above and to its left.
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j <= i; ++j) {
      double s = A[i * n + j];
      for (Index k = 0; k < j; ++k) s -= L[i * n + k] * L[j * n + k];
      if (i != j) {
        L[i * n + j] = s / L[j * n + j];
      } else if (s > 0 && std::isfinite(s)) {
        L[i * n + i] = std::sqrt(s);
      } else {
        throw ValueError(fmt::format("cholesky: the matrix is not positive definite (pivot {} is {})", i, s));
      }
    }
  }
  return l;
}

}  // namespace xgrad::core
