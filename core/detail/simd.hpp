#pragma once
// Private to the kernel files (.cpp only: core's, and the optimizers' in nn/optim):
// xsimd batches, the flat element-wise loop every kernel runs on, and the grain
// sizes that decide when a loop goes parallel.
//
// Kernels use xsimd batches directly rather than xtensor assignments: xtensor
// finishes a range with scalar std:: functions, so a value would depend on where
// a parallel range happened to be cut, and building an adaptor per row costs more
// than a short broadcast row. Here the last partial batch of a range goes through
// the same SIMD code in a padded register, so every element is computed the same
// way whatever the thread count.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
// GCC 12's own AVX-512 header initialises _mm512_undefined_*() from itself and
// then warns (-Wuninitialized) wherever xsimd inlines one. The warning is
// located in that header, so silencing it around the include leaves it on for
// our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if XSIMD_WITH_AVX512F
#include <immintrin.h>
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

template <class T>
using Batch = xsimd::batch<T>;
template <class T>
using BatchBool = xsimd::batch_bool<T>;
template <class T>
inline constexpr Index kLanes = static_cast<Index>(Batch<T>::size);

// ---- parallel grains (elements per task) -------------------------------------
// A loop runs inline up to its grain and is split into tasks of at least half a
// grain above it. Measured with BM_GrainAdd / BM_GrainExp (bench/core/
// elementwise_bench.cpp; float, medians of 9, 1 thread vs 2, on the 2-core
// AVX-512 VM with the benchmark at high priority over concurrent builds):
//   add, 8K grain:  16K 1.9 vs 3.8 us, 32K 3.5 vs 5.3 us, 64K 7.2 vs 7.7 us
//   add, 32K grain: 64K 7.5 vs 4.9-6.5 us, 256K 33 vs 20 us, 1M 180 vs 90 us
//   exp, 8K grain:  16K 4.0 vs 4.7 us
//   exp, 16K grain: 32K 7.8 vs 6.4 us, 64K 15.6 vs 9.4 us, 1M 250 vs 135 us
// Handing work to the second thread costs a few microseconds, so each task must
// carry several microseconds of work: cheap ops (a few instructions per element)
// split above 32K elements, transcendental ones (exp, log, tanh, pow ...) above 16K.
inline constexpr Index kCheapGrain = Index(1) << 15;
inline constexpr Index kCostlyGrain = Index(1) << 14;

// ---- operands ------------------------------------------------------------------
/// One value standing for a whole operand (a broadcast scalar).
template <class T>
struct Splat {
  T value;
};

template <class T>
Batch<T> load(const T* p, Index i) {
  return Batch<T>::load_unaligned(p + i);
}
template <class T>
Batch<T> load(Splat<T> s, Index) {
  return Batch<T>(s.value);
}
/// The n < kLanes elements at p + i in the low lanes, zeros above.
template <class T>
Batch<T> load_partial(const T* p, Index i, Index n) {
  alignas(64) T buf[kLanes<T>] = {};
  std::memcpy(buf, p + i, static_cast<std::size_t>(n) * sizeof(T));
  return Batch<T>::load_aligned(buf);
}
template <class T>
Batch<T> load_partial(Splat<T> s, Index, Index) {
  return Batch<T>(s.value);
}
template <class T>
void store_partial(T* p, const Batch<T>& v, Index n) {
  alignas(64) T buf[kLanes<T>];
  v.store_aligned(buf);
  std::memcpy(p, buf, static_cast<std::size_t>(n) * sizeof(T));
}

// ---- loops ---------------------------------------------------------------------
/// Where a loop body reads and writes: the whole batch at element i.
template <class T>
struct WholeBatch {
  Index i;
  template <class Src>
  Batch<T> load(Src src) const {
    return detail::load(src, i);
  }
  void store(T* p, const Batch<T>& v) const { v.store_unaligned(p + i); }
};
/// The last n < kLanes elements, from element i: loaded zero-padded, n stored.
template <class T>
struct PartialBatch {
  Index i, n;
  template <class Src>
  Batch<T> load(Src src) const {
    return load_partial(src, i, n);
  }
  void store(T* p, const Batch<T>& v) const { store_partial(p + i, v, n); }
};

/// Calls body(at) for the whole batches in [lo, hi), then once for the rest in a
/// padded batch; the body reads and writes through at.load(p) and at.store(p, v).
template <class T, class Body>
void for_each_batch(Index lo, Index hi, const Body& body) {
  Index i = lo;
  for (; i + kLanes<T> <= hi; i += kLanes<T>) body(WholeBatch<T>{i});
  if (i < hi) body(PartialBatch<T>{i, hi - i});
}

/// out[i] = f(src[i]...) for i in [0, n); a source is a pointer or a Splat.
/// `out` may alias a source at the same index (in-place ops).
template <class T, class F, class... Src>
void map_range(T* out, Index n, const F& f, Src... src) {
  for_each_batch<T>(0, n, [&](const auto& at) { at.store(out, f(at.load(src)...)); });
}

/// Units of work handed to parallel_for: tasks start on 4 KiB boundaries (relative
/// to 64-byte aligned buffers), so two threads never share a cache line.
inline constexpr Index kParallelUnit = 1024;

/// Calls body(lo, hi) over [0, n) in parallel, tasks of at least ~grain elements
/// cut at multiples of kParallelUnit.
template <class Body>
void parallel_elements(Index n, Index grain, const Body& body) {
  const Index units = (n + kParallelUnit - 1) / kParallelUnit;
  parallel_for(0, units, rows_per_task(grain, kParallelUnit), [&](Index lo, Index hi) {
    body(lo * kParallelUnit, std::min(hi * kParallelUnit, n));
  });
}

/// for_each_batch over [0, n), in parallel above `grain`.
template <class T, class Body>
void parallel_for_each_batch(Index n, Index grain, const Body& body) {
  parallel_elements(n, grain, [&](Index lo, Index hi) { for_each_batch<T>(lo, hi, body); });
}

/// map_range over n elements, in parallel above `grain`.
template <class T, class F, class... Src>
void map_flat(T* out, Index n, Index grain, const F& f, Src... src) {
  parallel_for_each_batch<T>(n, grain, [&](const auto& at) { at.store(out, f(at.load(src)...)); });
}

// ---- NaN-aware helpers, for batches and scalars alike ---------------------------
template <class T>
T vselect(bool c, T a, T b) {
  return c ? a : b;
}
template <class T>
Batch<T> vselect(const BatchBool<T>& c, const Batch<T>& a, const Batch<T>& b) {
  return xsimd::select(c, a, b);
}
template <class T>
bool is_nan(T v) {
  return v != v;
}
template <class T>
BatchBool<T> is_nan(const Batch<T>& v) {
  return xsimd::isnan(v);
}

/// max/min that return NaN when either side is NaN (like torch.maximum).
struct NanMax {
  template <class V>
  V operator()(const V& a, const V& b) const {
    return vselect((a > b) | is_nan(a), a, b);
  }
};
struct NanMin {
  template <class V>
  V operator()(const V& a, const V& b) const {
    return vselect((a < b) | is_nan(a), a, b);
  }
};

// ---- formulas shared by several kernel files -----------------------------------
/// 1 / (1 + exp(-x)) without overflow: with e = exp(-|x|) <= 1, it is 1 / (1 + e)
/// for x >= 0 and e / (1 + e) below.
template <class T>
Batch<T> sigmoid(const Batch<T>& x) {
  const Batch<T> e = xsimd::exp(-xsimd::abs(x));
  const Batch<T> r = Batch<T>(1) / (Batch<T>(1) + e);
  return xsimd::select(x >= Batch<T>(0), r, e * r);
}

/// x ** y with the C conventions xsimd's exp(y * log|x|) misses: x ** 0 == 1
/// and 1 ** y == 1 (even for NaN), 0 ** y == inf for y < 0.
template <class T>
Batch<T> pow(const Batch<T>& x, const Batch<T>& y) {
  const Batch<T> z = xsimd::pow(x, y);
  const Batch<T> zero(0);
  const Batch<T> r = xsimd::select((x == zero) & (y < zero), Batch<T>(std::numeric_limits<T>::infinity()), z);
  return xsimd::select((y == zero) | (x == Batch<T>(1)), Batch<T>(1), r);
}

/// erf(z) and exp(-z^2) together in double: xsimd's own erf (the same kernels in the same
/// order, so the same bits as xsimd::erf), which computes exp(-z^2) for its tail anyway;
/// GELU's slope Phi(x) + x phi(x) needs that exp as phi, so it is not computed twice.
/// (xsimd skips the exp when every lane is small; here it is always computed.) Float GELU
/// goes through gelu_cdf_and_gauss instead.
template <class T>
struct ErfGauss {
  Batch<T> erf, gauss;
};
inline ErfGauss<double> erf_and_gauss(const Batch<double>& z) {
  using V = Batch<double>;
  using K = xsimd::kernel::detail::erf_kernel<V>;
  const V x = xsimd::abs(z), xx = x * x;
  const V e = xsimd::exp(-xx);
  const V small = z * K::erf1(xx);
  V mid = V(1.) - e * K::erfc2(x);
  mid = xsimd::select(z < V(0.), -mid, mid);
  V tail = V(1.) - e * K::erfc3(x);
  tail = xsimd::select(z < V(0.), -tail, tail);
  tail = xsimd::select(xsimd::isinf(z), xsimd::sign(z), tail);
  return {xsimd::select(x < V(0.65), small, xsimd::select(x < V(2.2), mid, tail)), e};
}

/// 1 / d for finite d >= 1: on AVX-512 a 14-bit estimate and one Newton step (~1 ulp, a
/// quarter of a division's time), elsewhere the division. The step is fused by hand: xsimd
/// 8.1's fma on AVX-512 is a multiply and an add.
inline Batch<float> reciprocal_of_large(const Batch<float>& d) {
#if XSIMD_WITH_AVX512F
  static_assert(Batch<float>::size == 16, "AVX-512 batches of 16 floats");
  const __m512 r = _mm512_rcp14_ps(d);
  return Batch<float>(_mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.f))));
#else
  return Batch<float>(1.f) / d;
#endif
}

/// exp(x) in float for x <= 0 (the Gaussian's exp in GELU): on AVX-512, Cephes' expf
/// polynomial after the usual reduction, scaled by 2^k with scalef, and zero below
/// log(FLT_MIN), where xsimd::exp also gives zero rather than a denormal; NaN gives zero
/// too (GELU carries NaN through v). xsimd::exp handles overflow as well, and with its
/// integer build of 2^k took ~20 instructions where this takes 16 (GELU's pass is bound by
/// its instructions). Elsewhere xsimd::exp.
[[gnu::always_inline]] inline Batch<float> exp_nonpositive(const Batch<float>& x) {
#if XSIMD_WITH_AVX512F
  const __m512 xv = x;
  const __mmask16 normal = _mm512_cmp_ps_mask(xv, _mm512_set1_ps(-87.33654475f), _CMP_GE_OQ);
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(xv, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), xv);  // ln 2 in two parts
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  for (const float c : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f})
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.f));
  return Batch<float>(_mm512_maskz_scalef_ps(normal, e, k));
#else
  return xsimd::exp(x);
#endif
}

/// Phi(v) and exp(-v^2 / 2) of GELU in float. With a = |v| / sqrt 2, Phi is 1 - h for v > 0
/// and h otherwise, h = erfc(a) / 2 = exp(-v^2 / 2) erfcx(a) / 2; erfcx(a) = exp(a^2) erfc(a)
/// is smooth and falls like 1 / (a sqrt pi), so t Q(t), Q a polynomial of degree 9 in
/// t = 1 / (1 + a / 2), fits it on a in [0, 9.5] (past that exp(-v^2 / 2) underflows) to
/// 2.7e-7 evaluated in float (scripts/fit_gelu_erfcx.py: least squares against mpmath, Q(1) = 1 so
/// Phi(0) = 1/2 exactly). One exp, shared with the slope's phi, and no division: xsimd's
/// erf, two polynomials on two ranges with a division, was ~40 % of the feed-forward's GELU
/// pass. Phi keeps its relative precision in the lower tail, where 1 + erf cancels.
/// NaN stays NaN through v in the value and the slope; Phi(+inf) = 1, Phi(-inf) = 0.
struct GeluCdf {
  Batch<float> cdf, gauss;
};
[[gnu::always_inline]] inline GeluCdf gelu_cdf_and_gauss(const Batch<float>& v) {
  using V = Batch<float>;
  const V gauss = exp_nonpositive(V(-0.5f) * (v * v));
  // Evaluated in u = t / 2 = 1 / (2 + a), with Q's coefficients times 2^i (exact), so that
  // h = gauss u Q(2u) needs no halving. Clamped: past a = 9.5 the exp has underflowed
  // anyway, and an infinite v would make the reciprocal's Newton step inf * 0.
  const V u = reciprocal_of_large(xsimd::min(xsimd::fma(xsimd::abs(v), V(0.70710678118654752f), V(2.f)), V(11.5f)));
  constexpr float q[] = {0.2820606f,  0.28293788f, 0.23793434f, 0.22902088f, -0.10880302f,
                         0.44150236f, -0.6950755f, 0.44819444f, -0.13162586f, 0.013853869f};
  V poly(q[9] * 512.f);
  for (int i = 8; i >= 0; --i) poly = xsimd::fma(poly, u, V(q[i] * static_cast<float>(1 << i)));
  const V h = gauss * (u * poly);
  return {xsimd::select(v > V(0.f), V(1.f) - h, h), gauss};
}

/// GELU's value x Phi(x) and slope Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2,
/// phi(x) = exp(-x^2 / 2) / sqrt(2 pi): in float from gelu_cdf_and_gauss, in double from
/// one erf_and_gauss (core::gelu computes the value the same way: the same bits). Forced
/// inline: GCC kept it a call per batch in the feed-forward's pass (2.7 % of a step).
template <class T>
struct GeluSlope {
  Batch<T> value, slope;
};
template <class T>
[[gnu::always_inline]] inline GeluSlope<T> gelu_and_slope(const Batch<T>& v) {
  using V = Batch<T>;
  const V inv_sqrt_2pi(T(0.39894228040143267793994605993438));
  if constexpr (std::is_same_v<T, float>) {
    const GeluCdf g = gelu_cdf_and_gauss(v);
    return {v * g.cdf, xsimd::fma(v, g.gauss * inv_sqrt_2pi, g.cdf)};
  } else {
    const ErfGauss<T> eg = erf_and_gauss(v * V(T(0.70710678118654752440084436210485)));
    const V half(T(0.5));
    const V value = half * v * (V(1) + eg.erf);  // as core::gelu: the same bits
    const V cdf = half * (V(1) + eg.erf);
    return {value, cdf + v * (eg.gauss * inv_sqrt_2pi)};
  }
}

/// GELU's value alone, the same bits as gelu_and_slope's.
template <class T>
[[gnu::always_inline]] inline Batch<T> gelu_value(const Batch<T>& v) {
  if constexpr (std::is_same_v<T, float>)
    return v * gelu_cdf_and_gauss(v).cdf;
  else
    return T(0.5) * v * (Batch<T>(1) + xsimd::erf(v * Batch<T>(T(0.70710678118654752440084436210485))));
}

}  // namespace xgrad::core::detail
