// index_select, index_add_, gather, scatter_add_, one_hot. Every index is checked
// before anything is written, so a bad index leaves in-place targets untouched.
#include <algorithm>
#include <array>
#include <cstring>

#include "xgrad/core/detail/axis_split.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::core {
namespace {

void check_indices(const IndexTensor& index, Index size, int axis, const Shape& xs, const char* op) {
  for (Index i : index)
    if (i < 0 || i >= size) detail::fail<ValueError>("{}: index {} is out of range for axis {} of shape {}", op, i, axis, xs);
}

void check_rank1(const IndexTensor& index, const char* op) {
  if (index.dim() != 1) detail::fail("{}: index must have rank 1, got shape {}", op, index.shape());
}

// gather/scatter_add_: index has x's rank and fits inside x on every other axis.
void check_gather_index(const Shape& xs, int ax, const IndexTensor& index, int axis, const char* op) {
  const Shape& is = index.shape();
  if (is.rank() != xs.rank()) detail::fail("{}: index of shape {} does not have the rank of {}", op, is, xs);
  for (int d = 0; d < xs.rank(); ++d)
    if (d != ax && is[d] > xs[d])
      detail::fail("{}: index of shape {} exceeds {} outside axis {}", op, is, xs, axis);
  check_indices(index, xs[ax], axis, xs, op);
}

// Walks the rows (all axes but the last) of an index of shape `is` in [lo, hi),
// handing each row's offset into x, whose strides `xst` skip the gathered axis.
template <class F>
void for_each_index_row(const Shape& is, const std::array<Index, Shape::kMaxRank>& xst, int ax, Index lo, Index hi,
                        F&& f) {
  const int r = is.rank();
  std::array<Index, Shape::kMaxRank> idx{};
  Index off = 0, rem = lo;
  auto step = [&](int a) { return a == ax ? Index(0) : xst[static_cast<std::size_t>(a)]; };
  for (int a = r - 2; a >= 0; --a) {
    idx[static_cast<std::size_t>(a)] = rem % is[a];
    rem /= is[a];
    off += idx[static_cast<std::size_t>(a)] * step(a);
  }
  for (Index row = lo; row < hi; ++row) {
    f(row, off);
    for (int a = r - 2; a >= 0; --a) {
      const auto ua = static_cast<std::size_t>(a);
      off += step(a);
      if (++idx[ua] < is[a]) break;
      off -= step(a) * is[a];
      idx[ua] = 0;
    }
  }
}

}  // namespace

template <class T>
Tensor<T> index_select(const Tensor<T>& x, int axis, const IndexTensor& index) {
  const int ax = detail::require_axis(axis, x.dim(), "index_select");
  check_rank1(index, "index_select");
  const detail::AxisSplit a = detail::axis_split(x.shape(), ax);
  check_indices(index, a.size, axis, x.shape(), "index_select");
  const Index n = index.numel();
  Tensor<T> out(detail::with_dim(x.shape(), ax, n));
  if (out.numel() == 0) return out;
  const T* src = x.data();
  const Index* idx = index.data();
  T* dst = out.data();
  parallel_for(0, a.outer * n, std::max<Index>(1, detail::kParallelCopyElements / a.inner), [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      const T* s = src + ((r / n) * a.size + idx[r % n]) * a.inner;
      std::memcpy(dst + r * a.inner, s, static_cast<std::size_t>(a.inner) * sizeof(T));
    }
  });
  return out;
}

template <class T>
void index_add_(Tensor<T>& dst, int axis, const IndexTensor& index, const Tensor<T>& src) {
  const int ax = detail::require_axis(axis, dst.dim(), "index_add_");
  check_rank1(index, "index_add_");
  const Index n = index.numel();
  const Shape want = detail::with_dim(dst.shape(), ax, n);
  if (src.shape() != want)
    detail::fail("index_add_: src of shape {} does not fit dst of shape {} with {} indices on axis {} (needs {})",
                 src.shape(), dst.shape(), n, axis, want);
  const detail::AxisSplit a = detail::axis_split(dst.shape(), ax);
  check_indices(index, a.size, axis, dst.shape(), "index_add_");
  if (src.numel() == 0) return;
  const T* s = src.data();
  const Index* idx = index.data();
  T* d = dst.data();
  // Repeated indices write the same row, so threads take outer blocks or column blocks
  // (whole cache lines), never rows: every element still adds its rows in index order. By
  // outer blocks alone, an embedding's gradient (outer 1) ran on one thread.
  const Index cols = std::min<Index>(a.inner, 64), col_blocks = (a.inner + cols - 1) / cols;
  const Index work = n * cols;
  parallel_for(0, a.outer * col_blocks, std::max<Index>(1, detail::kParallelCopyElements / std::max<Index>(work, 1)),
               [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      const Index o = t / col_blocks, c0 = (t % col_blocks) * cols, c1 = std::min(a.inner, c0 + cols);
      for (Index k = 0; k < n; ++k) {
        T* drow = d + (o * a.size + idx[k]) * a.inner;
        const T* srow = s + (o * n + k) * a.inner;
        for (Index i = c0; i < c1; ++i) drow[i] += srow[i];
      }
    }
  });
}

template <class T>
Tensor<T> gather(const Tensor<T>& x, int axis, const IndexTensor& index) {
  const int ax = detail::require_axis(axis, x.dim(), "gather");
  check_gather_index(x.shape(), ax, index, axis, "gather");
  Tensor<T> out(index.shape());
  if (out.numel() == 0) return out;
  const Shape& is = index.shape();
  const int last = is.rank() - 1;
  const auto xst = contiguous_strides(x.shape());
  const Index len = is[last], ax_stride = xst[static_cast<std::size_t>(ax)];
  const T* src = x.data();
  const Index* idx = index.data();
  T* dst = out.data();
  parallel_for(0, index.numel() / len, std::max<Index>(1, detail::kParallelCopyElements / len), [&](Index lo, Index hi) {
    for_each_index_row(is, xst, ax, lo, hi, [&](Index row, Index off) {
      const Index* ir = idx + row * len;
      T* o = dst + row * len;
      if (ax == last) {
        for (Index j = 0; j < len; ++j) o[j] = src[off + ir[j]];
      } else {
        for (Index j = 0; j < len; ++j) o[j] = src[off + ir[j] * ax_stride + j];
      }
    });
  });
  return out;
}

template <class T>
void scatter_add_(Tensor<T>& dst, int axis, const IndexTensor& index, const Tensor<T>& src) {
  const int ax = detail::require_axis(axis, dst.dim(), "scatter_add_");
  if (src.shape() != index.shape())
    detail::fail("scatter_add_: src of shape {} does not match index of shape {}", src.shape(), index.shape());
  check_gather_index(dst.shape(), ax, index, axis, "scatter_add_");
  if (src.numel() == 0) return;
  const Shape& is = index.shape();
  const int last = is.rank() - 1;
  const auto dst_st = contiguous_strides(dst.shape());
  const Index len = is[last], ax_stride = dst_st[static_cast<std::size_t>(ax)];
  const T* s = src.data();
  const Index* idx = index.data();
  T* d = dst.data();
  auto body = [&](Index lo, Index hi) {
    for_each_index_row(is, dst_st, ax, lo, hi, [&](Index row, Index off) {
      const Index* ir = idx + row * len;
      const T* sr = s + row * len;
      if (ax == last) {
        for (Index j = 0; j < len; ++j) d[off + ir[j]] += sr[j];
      } else {
        for (Index j = 0; j < len; ++j) d[off + ir[j] * ax_stride + j] += sr[j];
      }
    });
  };
  const Index rows = index.numel() / len;
  if (ax == last) {  // each index row then writes only its own row of dst
    parallel_for(0, rows, std::max<Index>(1, detail::kParallelCopyElements / len), body);
  } else {
    body(0, rows);
  }
}

template <class T>
Tensor<T> one_hot(const IndexTensor& labels, Index classes) {
  if (classes <= 0) detail::fail<ValueError>("one_hot: classes must be positive, got {}", classes);
  if (labels.dim() != 1) detail::fail("one_hot: labels must have rank 1, got shape {}", labels.shape());
  for (Index l : labels)
    if (l < 0 || l >= classes) detail::fail<ValueError>("one_hot: label {} is out of range for {} classes", l, classes);
  auto out = Tensor<T>::zeros(Shape{labels.numel(), classes});
  for (Index i = 0; i < labels.numel(); ++i) out.data()[i * classes + labels.data()[i]] = T(1);
  return out;
}

#define XGRAD_INDEX_OPS(T)                                                               \
  template Tensor<T> index_select(const Tensor<T>&, int, const IndexTensor&);            \
  template void index_add_(Tensor<T>&, int, const IndexTensor&, const Tensor<T>&);       \
  template Tensor<T> gather(const Tensor<T>&, int, const IndexTensor&);                  \
  template void scatter_add_(Tensor<T>&, int, const IndexTensor&, const Tensor<T>&);     \
  template Tensor<T> one_hot<T>(const IndexTensor&, Index);
XGRAD_INDEX_OPS(float)
XGRAD_INDEX_OPS(double)
XGRAD_INDEX_OPS(Index)
#undef XGRAD_INDEX_OPS

}  // namespace xgrad::core
