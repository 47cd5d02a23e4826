// Float matrix products on oneDNN's sgemm, which detects this CPU's AVX-512 kernels
// itself (OpenBLAS 0.3.21 needs OPENBLAS_CORETYPE for that) and was measured faster on
// the models' shapes (bench/core/gemm_kernels_bench.cpp).
#include <algorithm>
#include <string>

#include "xgrad/core/detail/dnnl_common.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/error.hpp"

namespace xgrad::core::detail {

void onednn_sgemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* a, Index lda,
                  const float* b, Index ldb, float beta, float* c, Index ldc) {
  const OneOpenMpThread one;  // the block on this thread alone: the same bits on any thread count
  const dnnl::status s = dnnl::sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, std::max<Index>(lda, 1), b,
                                     std::max<Index>(ldb, 1), beta, c, std::max<Index>(ldc, 1));
  if (s != dnnl::status::success)
    throw Error("gemm: oneDNN's sgemm failed (status " + std::to_string(static_cast<int>(s)) + ")");
}

}  // namespace xgrad::core::detail
