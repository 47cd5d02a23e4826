// slice, narrow, slice_add_, concat, stack, split: all copies of whole runs along
// the (outer, size, inner) layout of one axis.
#include <algorithm>
#include <cstring>

#include "xgrad/core/detail/axis_split.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::core {
namespace {

using detail::AxisSplit;

template <class T>
inline void copy_run(const T* src, T* dst, Index n) {
  if (n == 1) {
    *dst = *src;  // a strided gather of single elements: skip the memcpy call
  } else {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(T));
  }
}

// Calls f(row, src_offset, dst_offset, run) over the runs that make up
// x[..., start : start + count*step : step, ...], with dst packed.
template <class F>
void for_each_run(const AxisSplit& a, Index start, Index count, Index step, F&& f) {
  if (a.outer == 0 || count == 0 || a.inner == 0) return;
  if (step == 1) {  // the selected entries of each outer block are one run
    const Index run = count * a.inner;
    parallel_for(0, a.outer, std::max<Index>(1, detail::kParallelCopyElements / run), [&](Index lo, Index hi) {
      for (Index o = lo; o < hi; ++o) f((o * a.size + start) * a.inner, o * run, run);
    });
    return;
  }
  const Index rows = a.outer * count;
  parallel_for(0, rows, std::max<Index>(1, detail::kParallelCopyElements / a.inner), [&](Index lo, Index hi) {
    Index o = lo / count, k = lo % count;
    for (Index r = lo; r < hi; ++r) {
      f((o * a.size + start + k * step) * a.inner, r * a.inner, a.inner);
      if (++k == count) k = 0, ++o;
    }
  });
}

struct Range {
  Index start = 0, count = 0;
};

// Python's slice rules for step > 0: negative bounds count from the back, then both
// are clipped to [0, size].
Range resolve_slice(Index size, Index start, Index stop, Index step, const char* op) {
  if (step <= 0) detail::fail<ValueError>("{}: step must be positive, got {}", op, step);
  auto clip = [size](Index i) { return std::clamp<Index>(i < 0 ? i + size : i, 0, size); };
  const Index b = clip(start), e = clip(stop);
  return {b, e > b ? (e - b + step - 1) / step : 0};
}

// Appends each source's block of every outer row in turn: concat and stack both
// reduce to this, with blocks[i] the elements of source i per outer row.
template <class T>
std::vector<const Tensor<T>*> pointers(const std::vector<Tensor<T>>& xs) {
  std::vector<const Tensor<T>*> p;
  p.reserve(xs.size());
  for (const Tensor<T>& x : xs) p.push_back(&x);
  return p;
}

template <class T>
void join(const std::vector<const Tensor<T>*>& xs, const std::vector<Index>& blocks, Index outer, T* out) {
  Index row = 0;
  for (Index b : blocks) row += b;
  if (row == 0) return;
  parallel_for(0, outer, std::max<Index>(1, detail::kParallelCopyElements / row), [&](Index lo, Index hi) {
    for (Index o = lo; o < hi; ++o) {
      T* dst = out + o * row;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        if (blocks[i] > 0) copy_run(xs[i]->data() + o * blocks[i], dst, blocks[i]);
        dst += blocks[i];
      }
    }
  });
}

template <class T>
Tensor<T> take(const Tensor<T>& x, int axis, Range r, Index step) {
  const AxisSplit a = detail::axis_split(x.shape(), axis);
  Tensor<T> out(detail::with_dim(x.shape(), axis, r.count));
  const T* src = x.data();
  T* dst = out.data();
  for_each_run(a, r.start, r.count, step, [&](Index s, Index d, Index n) { copy_run(src + s, dst + d, n); });
  return out;
}

}  // namespace

template <class T>
Tensor<T> slice(const Tensor<T>& x, int axis, Index start, Index stop, Index step) {
  const int ax = detail::require_axis(axis, x.dim(), "slice");
  return take(x, ax, resolve_slice(x.shape()[ax], start, stop, step, "slice"), step);
}

template <class T>
Tensor<T> narrow(const Tensor<T>& x, int axis, Index start, Index length) {
  const int ax = detail::require_axis(axis, x.dim(), "narrow");
  const Index size = x.shape()[ax];
  const Index b = start < 0 ? start + size : start;
  if (b < 0 || length < 0 || b + length > size)
    detail::fail<ValueError>("narrow: start {} and length {} do not fit axis {} of shape {}", start, length, axis,
                             x.shape());
  return take(x, ax, Range{b, length}, 1);
}

template <class T>
void slice_add_(Tensor<T>& dst, int axis, Index start, Index stop, Index step, const Tensor<T>& src) {
  const int ax = detail::require_axis(axis, dst.dim(), "slice_add_");
  const Range r = resolve_slice(dst.shape()[ax], start, stop, step, "slice_add_");
  const Shape want = detail::with_dim(dst.shape(), ax, r.count);
  if (src.shape() != want)
    detail::fail("slice_add_: src of shape {} does not fit {}:{}:{} of axis {} of dst of shape {} (needs {})",
                 src.shape(), start, stop, step, axis, dst.shape(), want);
  const T* s = src.data();
  T* d = dst.data();
  // Runs are disjoint (step >= 1), so rows can be added in parallel.
  for_each_run(detail::axis_split(dst.shape(), ax), r.start, r.count, step, [&](Index doff, Index soff, Index n) {
    for (Index i = 0; i < n; ++i) d[doff + i] += s[soff + i];
  });
}

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, int axis) {
  return concat_borrowed(pointers(xs), axis);
}

template <class T>
Tensor<T> concat_borrowed(const std::vector<const Tensor<T>*>& xs, int axis) {
  if (xs.empty()) detail::fail<ValueError>("concat: needs at least one tensor");
  const Shape& first = xs[0]->shape();
  const int ax = detail::require_axis(axis, first.rank(), "concat");
  Index total = 0;
  for (const Tensor<T>* x : xs) {
    const Shape& s = x->shape();
    bool fits = s.rank() == first.rank();
    for (int i = 0; fits && i < s.rank(); ++i) fits = i == ax || s[i] == first[i];
    if (!fits) detail::fail("concat: shapes {} and {} differ outside axis {}", first, s, axis);
    total += s[ax];
  }
  const AxisSplit a = detail::axis_split(first, ax);
  Tensor<T> out(detail::with_dim(first, ax, total));
  std::vector<Index> blocks;
  for (const Tensor<T>* x : xs) blocks.push_back(x->shape()[ax] * a.inner);
  join(xs, blocks, a.outer, out.data());
  return out;
}

template <class T>
Tensor<T> stack(const std::vector<Tensor<T>>& xs, int axis) {
  return stack_borrowed(pointers(xs), axis);
}

template <class T>
Tensor<T> stack_borrowed(const std::vector<const Tensor<T>*>& xs, int axis) {
  if (xs.empty()) detail::fail<ValueError>("stack: needs at least one tensor");
  const Shape& first = xs[0]->shape();
  for (const Tensor<T>* x : xs)
    if (x->shape() != first) detail::fail("stack: shapes {} and {} differ", first, x->shape());
  if (first.rank() == Shape::kMaxRank)
    detail::fail("stack: shape {} already has the maximum rank {}", first, Shape::kMaxRank);
  const int ax = detail::new_axis(axis, first, "stack");
  Shape out_shape;
  Index outer = 1, block = 1;
  for (int i = 0; i <= first.rank(); ++i) {
    if (i == ax) out_shape.push_back(static_cast<Index>(xs.size()));
    if (i == first.rank()) break;
    out_shape.push_back(first[i]);
    (i < ax ? outer : block) *= first[i];
  }
  Tensor<T> out(out_shape);
  join(xs, std::vector<Index>(xs.size(), block), outer, out.data());
  return out;
}

template <class T>
std::vector<Tensor<T>> split(const Tensor<T>& x, const std::vector<Index>& sizes, int axis) {
  const int ax = detail::require_axis(axis, x.dim(), "split");
  Index total = 0;
  for (Index s : sizes) {
    if (s < 0) detail::fail<ValueError>("split: negative size {} for shape {}", s, x.shape());
    total += s;
  }
  if (total != x.shape()[ax])
    detail::fail("split: sizes add up to {}, but axis {} of shape {} has {}", total, axis, x.shape(), x.shape()[ax]);
  std::vector<Tensor<T>> out;
  Index start = 0;
  for (Index s : sizes) {
    out.push_back(take(x, ax, Range{start, s}, 1));
    start += s;
  }
  return out;
}

template <class T>
std::vector<Tensor<T>> split(const Tensor<T>& x, Index chunk, int axis) {
  const int ax = detail::require_axis(axis, x.dim(), "split");
  if (chunk <= 0) detail::fail<ValueError>("split: chunk size must be positive, got {}", chunk);
  const Index size = x.shape()[ax];
  std::vector<Index> sizes;
  for (Index s = 0; s < size; s += chunk) sizes.push_back(std::min(chunk, size - s));
  if (sizes.empty()) sizes.push_back(0);  // as torch.split: an empty axis gives one empty piece
  return split(x, sizes, ax);
}

#define XGRAD_SLICE_OPS(T)                                                                    \
  template Tensor<T> slice(const Tensor<T>&, int, Index, Index, Index);                       \
  template Tensor<T> narrow(const Tensor<T>&, int, Index, Index);                             \
  template void slice_add_(Tensor<T>&, int, Index, Index, Index, const Tensor<T>&);           \
  template Tensor<T> concat(const std::vector<Tensor<T>>&, int);                              \
  template Tensor<T> stack(const std::vector<Tensor<T>>&, int);                               \
  template Tensor<T> concat_borrowed(const std::vector<const Tensor<T>*>&, int);                 \
  template Tensor<T> stack_borrowed(const std::vector<const Tensor<T>*>&, int);                 \
  template std::vector<Tensor<T>> split(const Tensor<T>&, const std::vector<Index>&, int);    \
  template std::vector<Tensor<T>> split(const Tensor<T>&, Index, int);
XGRAD_SLICE_OPS(float)
XGRAD_SLICE_OPS(double)
XGRAD_SLICE_OPS(Index)
#undef XGRAD_SLICE_OPS

}  // namespace xgrad::core
