#pragma once
// Private to the optimizers' .cpp files: one pass over a parameter's arrays in
// SIMD batches. Every element goes through the same batch code (the last partial
// batch runs in a zero-padded register), so an update does not depend on the
// thread count or on where a parallel range was cut: a restored optimizer
// continues bit-identically.
#include <algorithm>
#include <array>
#include <cstring>
// GCC 12's AVX-512 header trips -Wuninitialized wherever xsimd inlines
// _mm512_undefined_*() (GCC bug 105593); silence it for the include only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::nn::detail {

using core::Index;
using Batch = xsimd::batch<float>;
inline constexpr Index kLanes = static_cast<Index>(Batch::size);
// An update reads and writes several arrays per element: memory-bound, so a task
// needs ~32K elements before a second thread pays for its wake-up.
inline constexpr Index kGrain = Index(1) << 15;

/// Calls body(in, out, i) for each batch start i in [0, n): `in` are read-only
/// arrays, `out` are read and written; the body loads and stores whole batches at i.
template <std::size_t In, std::size_t Out, class F>
void for_each_batch(Index n, const std::array<const float*, In>& in, const std::array<float*, Out>& out, F&& body) {
  const Index full = n / kLanes;
  core::parallel_for(0, full, kGrain / kLanes, [&](std::int64_t lo, std::int64_t hi) {
    for (Index b = lo; b < hi; ++b) body(in, out, b * kLanes);
  });
  const Index done = full * kLanes, rest = n - done;
  if (rest == 0) return;
  // The tail: copy into zero-padded batches, run the same body, copy back.
  alignas(64) float in_buf[In > 0 ? In : 1][kLanes] = {};
  alignas(64) float out_buf[Out > 0 ? Out : 1][kLanes] = {};
  std::array<const float*, In> in_tail{};
  std::array<float*, Out> out_tail{};
  for (std::size_t k = 0; k < In; ++k) {
    std::memcpy(in_buf[k], in[k] + done, sizeof(float) * static_cast<std::size_t>(rest));
    in_tail[k] = in_buf[k];
  }
  for (std::size_t k = 0; k < Out; ++k) {
    std::memcpy(out_buf[k], out[k] + done, sizeof(float) * static_cast<std::size_t>(rest));
    out_tail[k] = out_buf[k];
  }
  body(in_tail, out_tail, Index(0));
  for (std::size_t k = 0; k < Out; ++k)
    std::memcpy(out[k] + done, out_buf[k], sizeof(float) * static_cast<std::size_t>(rest));
}

/// a * b + c rounded once. xsimd 8.1 has no AVX-512 fma: its xsimd::fma there is
/// a * b + c, fused or not at the compiler's whim (and not at all where these
/// kernels turn contraction off), so the AVX-512 instruction is called directly.
inline Batch fmadd(const Batch& a, const Batch& b, const Batch& c) {
#if defined(__AVX512F__)
  if constexpr (sizeof(Batch) == 64) return _mm512_fmadd_ps(a, b, c);
#endif
  return xsimd::fma(a, b, c);  // a real fma instruction on FMA3 (AVX2) machines
}

inline Batch load(const float* p, Index i) { return Batch::load_unaligned(p + i); }
inline void store(float* p, Index i, const Batch& v) { v.store_unaligned(p + i); }

}  // namespace xgrad::nn::detail
