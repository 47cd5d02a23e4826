#include "xgrad/core/symmetric_eigen.hpp"

#include <fmt/format.h>

#include <vector>

#include "xgrad/core/blas.hpp"

namespace xgrad::core {

SymmetricEigen symmetric_eigen(const Tensor<double>& a) {
  if (a.dim() != 2 || a.size(0) != a.size(1))
    throw ValueError(fmt::format("symmetric_eigen: the matrix must be square, got {}", a.shape().str()));
  const Index n = a.size(0);
  std::vector<double> m(a.data(), a.data() + n * n), w(static_cast<std::size_t>(n));
  // LAPACK reads the column-major upper triangle, which is the row-major lower one: the same matrix.
  if (const int info = blas::dsyevd(n, m.data(), w.data()); info != 0)
    throw Error(fmt::format("symmetric_eigen: LAPACK dsyevd failed (info {}) on a {}x{} matrix", info, n, n));
  SymmetricEigen out{Tensor<double>(Shape{n}), Tensor<double>(Shape{n, n})};
  // LAPACK gives ascending values and column-major vectors (vector j is m[j*n ...]): reverse both.
  for (Index i = 0; i < n; ++i) {
    const Index j = n - 1 - i;
    out.values.data()[i] = w[static_cast<std::size_t>(j)];
    for (Index k = 0; k < n; ++k) out.vectors.data()[i * n + k] = m[static_cast<std::size_t>(j * n + k)];
  }
  return out;
}

}  // namespace xgrad::core
