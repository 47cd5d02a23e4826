#pragma once
// Private to the optimizers' .cpp files: one pass over a parameter's arrays in
// SIMD batches, on core's element loop (core/detail/simd.hpp). Every element goes
// through the same batch code (the last partial batch runs in a zero-padded
// register), so an update does not depend on the thread count or on where a
// parallel range was cut: a restored optimizer continues bit-identically.
#include "xgrad/core/detail/simd.hpp"

namespace xgrad::nn::detail {

using core::Index;
using Batch = core::detail::Batch<float>;
// An update reads and writes several arrays per element: memory-bound, so a task
// needs ~32K elements before a second thread pays for its wake-up.
inline constexpr Index kGrain = Index(1) << 15;

/// Calls body(at) over the batches of [0, n), in parallel above kGrain; the body
/// reads and writes the parameter's arrays through at.load(p) and at.store(p, v).
/// Bodies capture their pointers and scalars by value: each range runs a local copy,
/// whose address never leaves it, so they stay in registers. (Through a reference to
/// the caller's closure, every SIMD store, which may alias anything, forced the loop to
/// reload each captured pointer.)
template <class Body>
void for_each_batch(Index n, const Body& body) {
  core::detail::parallel_elements(n, kGrain, [&](Index lo, Index hi) {
    const Body local = body;
    core::detail::for_each_batch<float>(lo, hi, local);
  });
}

/// a * b + c rounded once: the one multiply-add the optimizers fuse, as PyTorch
/// does; their files are compiled with -ffp-contract=off (nn/CMakeLists.txt) so
/// the compiler fuses no other. xsimd 8.1 has no AVX-512 fma: its xsimd::fma there
/// is a * b + c, which contraction off leaves unfused, so the AVX-512 instruction
/// is called directly.
inline Batch fmadd(const Batch& a, const Batch& b, const Batch& c) {
#if defined(__AVX512F__)
  if constexpr (sizeof(Batch) == 64) return _mm512_fmadd_ps(a, b, c);
#endif
  return xsimd::fma(a, b, c);  // a real fma instruction on FMA3 (AVX2) machines
}

}  // namespace xgrad::nn::detail
