// The system BLAS as core reaches it: the strided transpose the attention's products use.
#include <catch2/catch.hpp>

#include <vector>

#include "xgrad/core/blas.hpp"

using namespace xgrad::core;

TEMPLATE_TEST_CASE("blas::transpose writes A^T from rows lda apart into rows ldb apart, and skips empty sizes",
                   "[blas]", float, double) {
  using T = TestType;
  // A (5, 3) read from rows 7 apart; B (3, 5) written into rows 6 apart: the padding stays.
  const long rows = 5, cols = 3, lda = 7, ldb = 6;
  std::vector<T> a(rows * lda), b(cols * ldb, T(-1));
  for (long i = 0; i < rows; ++i)
    for (long j = 0; j < lda; ++j) a[i * lda + j] = static_cast<T>(10 * i + j);
  blas::transpose(rows, cols, a.data(), lda, b.data(), ldb);
  for (long j = 0; j < cols; ++j)
    for (long i = 0; i < ldb; ++i) CHECK(b[j * ldb + i] == (i < rows ? a[i * lda + j] : T(-1)));
  blas::transpose(0, cols, a.data(), lda, b.data(), ldb);
  blas::transpose(rows, 0, a.data(), lda, b.data(), ldb);
  CHECK(b[0] == a[0]);
}
