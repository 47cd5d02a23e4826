#pragma once
// Access to the system BLAS (OpenBLAS). OpenBLAS 0.3.21 picks slow generic kernels
// on recent Xeons unless OPENBLAS_CORETYPE is set before it initialises, so xgrad
// loads it at first use, after naming the right core for the CPU it runs on.
#include <string>

namespace xgrad::core::blas {

/// Row-major C = alpha * op(A) op(B) + beta * C.
void sgemm(bool ta, bool tb, long m, long n, long k, float alpha, const float* a, long lda, const float* b, long ldb,
           float beta, float* c, long ldc);
void dgemm(bool ta, bool tb, long m, long n, long k, double alpha, const double* a, long lda, const double* b,
           long ldb, double beta, double* c, long ldc);
/// B (cols, rows) = A^T for the row-major A (rows, cols), rows lda and ldb apart
/// (cblas_?omatcopy: a strided transpose in blocks, ~2.7x faster than an element loop for one
/// attention entry's K^T).
void transpose(long rows, long cols, const float* a, long lda, float* b, long ldb);
void transpose(long rows, long cols, const double* a, long lda, double* b, long ldb);
/// LAPACK dsyevd on the column-major n x n matrix a (a symmetric matrix is its own
/// transpose, so row-major works too): eigenvalues ascending into w (n), eigenvectors
/// over a (column-major: vector j at a[j*n ...]). Returns LAPACK's info (0: converged).
int dsyevd(long n, double* a, double* w);

/// The kernel set OpenBLAS chose ("SkylakeX", "Haswell", "Prescott", ...).
std::string core_name();
/// True when the chosen kernels are the best this CPU supports.
bool fast_path();
void set_num_threads(int n);

}  // namespace xgrad::core::blas
