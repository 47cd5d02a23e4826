#pragma once
// Typed GEMM for core's kernels (.cpp only): picks sgemm or dgemm, and handles the
// empty sizes that BLAS either rejects (leading dimension 0) or must not see.
#include <algorithm>
#include <type_traits>

#include "xgrad/core/blas.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// OpenBLAS runs a GEMM on the calling thread alone when m*n*k is at most
/// 65536 * GEMM_MULTITHREAD_THRESHOLD (4, the default). Only such products may be
/// spread over our own threads; larger ones are parallelised by BLAS itself, and
/// two thread pools fighting over two cores would be slower than either.
inline bool single_threaded_gemm(Index m, Index n, Index k) {
  return static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) <= 262144.0;
}

/// Row-major C = alpha * op(A) op(B) + beta * C, with op(A) (m, k) and op(B) (k, n).
template <class T>
void gemm(bool ta, bool tb, Index m, Index n, Index k, T alpha, const T* a, Index lda, const T* b, Index ldb, T beta,
          T* c, Index ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C (and no NaN from uninitialised C when beta is 0)
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  if constexpr (std::is_same_v<T, float>)
    blas::sgemm(ta, tb, m, n, k, alpha, a, std::max<Index>(lda, 1), b, std::max<Index>(ldb, 1), beta, c,
                std::max<Index>(ldc, 1));
  else
    blas::dgemm(ta, tb, m, n, k, alpha, a, std::max<Index>(lda, 1), b, std::max<Index>(ldb, 1), beta, c,
                std::max<Index>(ldc, 1));
}

}  // namespace xgrad::core::detail
