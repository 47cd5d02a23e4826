#pragma once
// Viewing a contiguous tensor as (outer, size, inner) around one axis: the layout
// that lets movement ops copy whole `inner` runs with memcpy instead of walking
// n-d indices.
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::core::detail {

struct AxisSplit {
  Index outer = 1;  ///< product of the dimensions before the axis
  Index size = 1;   ///< the axis itself
  Index inner = 1;  ///< product of the dimensions after the axis
};

/// normalize_axis, but also refusing rank 0 (which normalize_axis lets through for
/// reductions): ops that index along an axis need one to exist.
inline int require_axis(int axis, int rank, const char* op) {
  if (rank == 0) fail<ValueError>("{}: axis {} is out of range for a tensor of rank 0", op, axis);
  return normalize_axis(axis, rank, op);
}

/// `axis` must already be normalized.
inline AxisSplit axis_split(const Shape& s, int axis) {
  AxisSplit a;
  for (int i = 0; i < axis; ++i) a.outer *= s[i];
  a.size = s[axis];
  for (int i = axis + 1; i < s.rank(); ++i) a.inner *= s[i];
  return a;
}

/// `s` with dimension `axis` replaced by `n`.
inline Shape with_dim(const Shape& s, int axis, Index n) {
  Shape out = s;
  out[axis] = n;
  return out;
}

/// Copies below this many elements run on one thread: spawning tasks costs more.
inline constexpr Index kParallelCopyElements = Index(1) << 16;

}  // namespace xgrad::core::detail
