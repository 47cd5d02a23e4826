#pragma once
// Typed GEMM for core's kernels (.cpp only): picks oneDNN's sgemm, OpenBLAS's sgemm or
// dgemm, and handles the empty sizes that BLAS either rejects (leading dimension 0) or
// must not see.
#include <algorithm>
#include <type_traits>

#include "xgrad/core/blas.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

/// Products of at most this many multiply-adds (m*n*k) run as one BLAS call on the
/// calling thread; larger ones are cut into blocks that run in parallel (see gemm).
/// 65536 * 4 is also where OpenBLAS itself would go multi-threaded.
inline constexpr double kGemmSerialWork = 262144.0;
/// Float products whose output has both sides at least this long (and more work than
/// kGemmSerialWork) run on oneDNN (see runs_on_onednn). At 1 thread (2026-12-04, loaded)
/// oneDNN took 0.64-0.98x OpenBLAS's time on the Transformer products and 0.80-0.95x on
/// the MLP VAE's and AAE's gradient products, but 1.1-2.9x on the VAE's 40-wide heads:
/// its per-call cost shows on thin blocks.
inline constexpr Index kOnednnMinSide = 64;

/// Whether gemm runs this product on the calling thread alone (callers may then
/// spread several such products over threads themselves).
inline bool single_threaded_gemm(Index m, Index n, Index k) {
  return static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) <= kGemmSerialWork;
}

/// One BLAS call (OpenBLAS runs single-threaded: core::set_num_threads keeps its own
/// threads at 1).
template <class T>
void blas_gemm(bool ta, bool tb, Index m, Index n, Index k, T alpha, const T* a, Index lda, const T* b, Index ldb,
               T beta, T* c, Index ldc) {
  if constexpr (std::is_same_v<T, float>)
    blas::sgemm(ta, tb, m, n, k, alpha, a, std::max<Index>(lda, 1), b, std::max<Index>(ldb, 1), beta, c,
                std::max<Index>(ldc, 1));
  else
    blas::dgemm(ta, tb, m, n, k, alpha, a, std::max<Index>(lda, 1), b, std::max<Index>(ldb, 1), beta, c,
                std::max<Index>(ldc, 1));
}

/// oneDNN's sgemm on one block, on the calling thread alone (core/gemm_dnnl.cpp).
void onednn_sgemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* a, Index lda,
                  const float* b, Index ldb, float beta, float* c, Index ldc);

/// y = x w^T (+ bias) (+ residual), x (rows, in), w (out, in), y and residual (rows, out),
/// on oneDNN's matmul, which adds the bias and residual in its epilogue, in gemm's blocks
/// of rows (core/linear_dnnl.cpp). False, with y untouched, where it does not apply (see
/// there; neither bias nor residual is one such case): the caller then seeds y and runs gemm.
bool onednn_linear(Index rows, Index out, Index in, const float* x, const float* w, const float* bias,
                   const float* residual, float* y);

/// Whether gemm runs a float product of this shape on oneDNN's sgemm rather than on
/// OpenBLAS: where oneDNN was measured faster (bench/core/gemm_kernels_bench.cpp). A
/// Linear's forward on a batch of 128 (B transposed, output wider than tall) goes too:
/// it was slower on oneDNN only when cut into 8 column blocks (see onednn_max_blocks).
/// The choice depends on the whole product's shape alone, so every block of a product,
/// on any number of threads, runs the same kernel.
inline bool runs_on_onednn(Index m, Index n, Index k) {
  return m >= kOnednnMinSide && n >= kOnednnMinSide &&
         static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) > kGemmSerialWork;
}

/// Blocks a product is cut into at most, per kernel. OpenBLAS takes 8: its small-matrix
/// kernels run thin blocks without packing (the VAE's 128x40x400 head: 8 blocks 0.8x the
/// time of 2). oneDNN pays for thin blocks more than a second core gains (2026-12-04,
/// loaded, 1 thread: the hvae's 128x512x784 forward took 1.34 ms in 8 column blocks
/// against 1.01 in 2; its 128x128x256 forward 131 us in 8 row blocks of 16 against 87 in
/// 2), so it takes 2 blocks below a long side of 2 * kOnednnBlockExtent and one more pair
/// per kOnednnBlockExtent * 2 above, up to 8: every product measured here (long sides
/// up to 2048) gets 2, and a larger one still spreads over more cores on a larger
/// machine. Shape-only, like everything in gemm_in_blocks.
inline constexpr Index kOpenblasMaxBlocks = 8;
inline constexpr Index kOnednnBlockExtent = 1024;
inline Index onednn_max_blocks(Index m, Index n) {
  const Index pairs = std::max(m, n) / (2 * kOnednnBlockExtent);
  return std::clamp<Index>(2 * pairs, 2, 8);
}

/// How gemm_in_blocks cuts a product's output: blocks of `step` rows (or columns, when
/// wider than tall), the last one shorter. Our threads, not OpenBLAS's: OpenBLAS's own pool
/// busy-waits with sched_yield between calls, which costs more than the products
/// themselves in a recurrence of small GEMMs on a shared machine; TBB's workers sleep. The
/// blocks depend on the shape alone, never on the thread count, so every element is
/// computed by the same call whatever the threads.
struct BlockCut {
  bool by_rows = true;
  Index step = 0, extent = 0;
  Index count() const { return step > 0 ? (extent + step - 1) / step : 0; }
};
inline BlockCut block_cut(Index m, Index n, Index k, Index max_blocks) {
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const Index blocks =
      single_threaded_gemm(m, n, k) ? 1 : std::min<Index>(max_blocks, static_cast<Index>(work / kGemmSerialWork) + 1);
  const bool by_rows = m >= n;
  const Index extent = by_rows ? m : n;
  const Index step = std::max<Index>(16, (extent / blocks + 15) / 16 * 16);
  return {by_rows, std::min(step, extent), extent};
}

/// Row-major C = alpha * op(A) op(B) + beta * C, with op(A) (m, k) and op(B) (k, n), each
/// block run by `kernel` (same arguments, one block on the calling thread).
template <class T, class Kernel>
void gemm_in_blocks(Kernel&& kernel, bool ta, bool tb, Index m, Index n, Index k, T alpha, const T* a, Index lda,
                    const T* b, Index ldb, T beta, T* c, Index ldc, Index max_blocks) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C (and no NaN from uninitialised C when beta is 0)
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  const BlockCut cut = block_cut(m, n, k, max_blocks);
  if (cut.count() == 1) return kernel(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  parallel_for(0, cut.count(), 1, [&](Index lo, Index hi) {
    for (Index blk = lo; blk < hi; ++blk) {
      const Index i0 = blk * cut.step, len = std::min(cut.step, cut.extent - i0);
      if (cut.by_rows)  // rows i0.. of op(A) and C
        kernel(ta, tb, len, n, k, alpha, ta ? a + i0 : a + i0 * lda, lda, b, ldb, beta, c + i0 * ldc, ldc);
      else  // columns i0.. of op(B) and C
        kernel(ta, tb, m, len, k, alpha, a, lda, tb ? b + i0 * ldb : b + i0, ldb, beta, c + i0, ldc);
    }
  });
}

/// One block of a product on the calling thread (the arguments of blas_gemm).
template <class T>
using GemmKernel = void (*)(bool, bool, Index, Index, Index, T, const T*, Index, const T*, Index, T, T*, Index);

/// The kernel every block of a product of this whole shape (m, n, k) runs on: oneDNN's
/// sgemm where runs_on_onednn says so, OpenBLAS otherwise (all doubles).
template <class T>
GemmKernel<T> kernel_for(Index m, Index n, Index k) {
  if constexpr (std::is_same_v<T, float>)
    if (runs_on_onednn(m, n, k)) return onednn_sgemm;
  return blas_gemm<T>;
}

/// Row-major C = alpha * op(A) op(B) + beta * C, with op(A) (m, k) and op(B) (k, n):
/// floats on oneDNN where runs_on_onednn says so, the rest (all doubles) on OpenBLAS.
template <class T>
void gemm(bool ta, bool tb, Index m, Index n, Index k, T alpha, const T* a, Index lda, const T* b, Index ldb, T beta,
          T* c, Index ldc) {
  const GemmKernel<T> kernel = kernel_for<T>(m, n, k);
  const Index max_blocks = kernel == blas_gemm<T> ? kOpenblasMaxBlocks : onednn_max_blocks(m, n);
  gemm_in_blocks(kernel, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, max_blocks);
}

/// Whether gemm_summed_halves cuts the sum of this product (op(A) (m, k), op(B) (k, n))
/// in two: k much longer than m and n, and each half still worth a thread.
inline bool sums_in_halves(Index m, Index n, Index k) {
  return k >= 4 * std::max(m, n) && !single_threaded_gemm(m, n, k / 2);
}

/// C = alpha A^T B + beta C for A (k, m) and B (k, n) (a weight's gradient summed over a
/// batch's rows): where sums_in_halves, the sum runs as two halves of k, each one task,
/// the second into `scratch` (m x n) added into C after; other shapes go to gemm. Cut by
/// rows or columns of C instead, each task read every row of both operands; this way each
/// reads its own half (the Transformer VAE step 2.4 % faster, bench/README.md session 20).
/// The halves depend on the shape alone, so the bits do not depend on the threads.
template <class T>
void gemm_summed_halves(Index m, Index n, Index k, T alpha, const T* a, Index lda, const T* b, Index ldb, T beta, T* c,
                        Index ldc, T* scratch) {
  if (!sums_in_halves(m, n, k)) return gemm(true, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const Index half = k / 2;
  const GemmKernel<T> kernel = kernel_for<T>(m, n, k);  // both halves on the whole product's kernel
  parallel_for(0, 2, 1, [&](Index lo, Index hi) {
    for (Index p = lo; p < hi; ++p) {
      if (p == 0)
        kernel(true, false, m, n, half, alpha, a, lda, b, ldb, beta, c, ldc);
      else
        kernel(true, false, m, n, k - half, alpha, a + half * lda, lda, b + half * ldb, ldb, T(0), scratch, n);
    }
  });
  // Rows in parallel: on the calling thread alone, this add was where the other waited
  // (0.2 % of the Transformer VAE step's samples, all on one thread).
  parallel_for(0, m, rows_per_task(Index(1) << 14, n), [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i)
      for (Index j = 0; j < n; ++j) c[i * ldc + j] += scratch[i * n + j];
  });
}

}  // namespace xgrad::core::detail
