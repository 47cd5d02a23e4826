#pragma once
// Private to core's kernel files: broadcasting loops over up to three inputs.
//
// A broadcast is planned once: size-1 output axes are dropped and adjacent axes
// merged wherever every operand walks them as one (stride[i] == stride[i+1] *
// dim[i+1]), so identical shapes become one flat loop, a scalar operand a flat
// loop with a Splat, and (B, N) + (N) B contiguous rows. The innermost axis of
// every input then has stride 1 (a vector) or 0 (a Splat), and the kernel runs
// over contiguous rows with the SIMD loop of simd.hpp.
#include <array>
#include <type_traits>
#include <utility>

#include "xgrad/core/detail/simd.hpp"

namespace xgrad::core::detail {

template <int N>
struct BroadcastPlan {
  int rank = 0;                                      ///< merged rank, >= 1
  std::array<Index, Shape::kMaxRank> dims{};         ///< merged output dims
  std::array<std::array<Index, Shape::kMaxRank>, N> strides{};  ///< per input, in elements
  Index numel = 0;
};

/// Plans reading `in[k]` (each broadcastable to `out`) over the output's elements.
template <int N>
BroadcastPlan<N> plan_broadcast(const Shape& out, const std::array<const Shape*, N>& in) {
  BroadcastPlan<N> p;
  p.numel = out.numel();
  const int r = out.rank();
  std::array<std::array<Index, Shape::kMaxRank>, N> full{};
  for (int k = 0; k < N; ++k) {
    const Shape& s = *in[static_cast<std::size_t>(k)];
    const auto cs = contiguous_strides(s);
    for (int i = 0; i < r; ++i) {
      const int j = i - (r - s.rank());
      full[k][i] = (j >= 0 && s[j] != 1) ? cs[static_cast<std::size_t>(j)] : 0;
    }
  }
  for (int i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    const int m = p.rank;
    bool merge = m > 0;
    for (int k = 0; k < N && merge; ++k) merge = p.strides[k][m - 1] == full[k][i] * out[i];
    if (merge) {
      p.dims[m - 1] *= out[i];
      for (int k = 0; k < N; ++k) p.strides[k][m - 1] = full[k][i];
    } else {
      p.dims[m] = out[i];
      for (int k = 0; k < N; ++k) p.strides[k][m] = full[k][i];
      p.rank = m + 1;
    }
  }
  if (p.rank == 0) {  // every axis is 1: a single element
    p.rank = 1;
    p.dims[0] = 1;
  }
  return p;
}

/// Calls row(out_offset, in_offsets, length) over the output elements [lo, hi),
/// one call per (part of a) contiguous innermost row.
template <int N, class Row>
void for_each_row(const BroadcastPlan<N>& p, Index lo, Index hi, const Row& row) {
  const int r = p.rank;
  const Index inner = p.dims[r - 1];
  std::array<Index, Shape::kMaxRank> idx{};
  std::array<Index, N> off{};
  Index rem = lo;
  for (int d = r - 1; d >= 0; --d) {
    idx[d] = rem % p.dims[d];
    rem /= p.dims[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * p.strides[k][d];
  }
  Index pos = lo;
  while (pos < hi) {
    const Index len = std::min(inner - idx[r - 1], hi - pos);
    row(pos, off, len);
    pos += len;
    // Advance the odometer to the start of the next row.
    for (int k = 0; k < N; ++k) off[k] += len * p.strides[k][r - 1];
    idx[r - 1] += len;
    for (int d = r - 1; d > 0 && idx[d] == p.dims[d]; --d) {
      for (int k = 0; k < N; ++k) off[k] += p.strides[k][d - 1] - p.dims[d] * p.strides[k][d];
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

namespace broadcast_impl {
template <class T, bool Vec>
auto source(const T* p) {
  if constexpr (Vec) return p;
  else return Splat<T>{*p};
}

template <class T, int N, class F, bool... Vec, std::size_t... I>
void run(T* out, const BroadcastPlan<N>& p, const std::array<const T*, N>& in, Index grain, const F& f,
         std::integer_sequence<bool, Vec...>, std::index_sequence<I...>) {
  parallel_elements(p.numel, grain, [&](Index lo, Index hi) {
    for_each_row(p, lo, hi, [&](Index o, const std::array<Index, N>& off, Index len) {
      map_range(out + o, len, f, source<T, Vec>(in[I] + off[I])...);
    });
  });
}

template <class T, int N, class F, bool... Vec>
void dispatch(T* out, const BroadcastPlan<N>& p, const std::array<const T*, N>& in, Index grain, const F& f) {
  constexpr std::size_t k = sizeof...(Vec);
  if constexpr (k == N) {
    run<T, N, F>(out, p, in, grain, f, std::integer_sequence<bool, Vec...>{}, std::make_index_sequence<N>{});
  } else {
    if (p.strides[k][static_cast<std::size_t>(p.rank - 1)] != 0) dispatch<T, N, F, Vec..., true>(out, p, in, grain, f);
    else dispatch<T, N, F, Vec..., false>(out, p, in, grain, f);
  }
}
}  // namespace broadcast_impl

/// out = f(in...) with broadcasting, in parallel above `grain` elements. Chooses
/// once whether each input is a vector or a Splat along the innermost axis, so the
/// row loop carries no per-element branch. `out` may alias an input of out's shape.
template <class T, int N, class F>
void broadcast_map(T* out, const BroadcastPlan<N>& p, const std::array<const T*, N>& in, Index grain, const F& f) {
  if (p.numel == 0) return;
  broadcast_impl::dispatch<T, N, F>(out, p, in, grain, f);
}

}  // namespace xgrad::core::detail
