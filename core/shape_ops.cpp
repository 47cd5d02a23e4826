// reshape, permute, transpose, unsqueeze, squeeze, flatten.
#include <algorithm>
#include <array>
#include <cstring>

#include "xgrad/core/detail/axis_split.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::core {
namespace {

constexpr int kMaxRank = Shape::kMaxRank;

// A permutation reduced to its essentials: size-1 axes dropped and output axes that
// are already adjacent in the source merged. (2,3,4) -> (2,4,3) has the same
// collapsed form as a batch of 3x4 transposes, which is what the kernels see.
struct Collapsed {
  int rank = 0;
  std::array<Index, kMaxRank> dim{};
  std::array<Index, kMaxRank> src_stride{};  // source stride of each output axis
};

Collapsed collapse(const Shape& xs, const std::array<int, kMaxRank>& perm) {
  const auto st = contiguous_strides(xs);
  Collapsed c;
  for (int i = 0; i < xs.rank(); ++i) {
    const Index d = xs[perm[static_cast<std::size_t>(i)]];
    const Index s = st[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
    if (d == 1) continue;
    auto k = static_cast<std::size_t>(c.rank);
    if (c.rank > 0 && c.src_stride[k - 1] == d * s) {
      c.dim[k - 1] *= d;
      c.src_stride[k - 1] = s;
    } else {
      c.dim[k] = d;
      c.src_stride[k] = s;
      ++c.rank;
    }
  }
  return c;
}

// The last output axis is contiguous in the source too: copy whole rows.
template <class T>
void copy_rows(const T* src, T* dst, const Collapsed& c, Index numel) {
  const int k = c.rank;
  const Index len = c.dim[static_cast<std::size_t>(k - 1)];
  const Index rows = numel / len;
  parallel_for(0, rows, std::max<Index>(1, detail::kParallelCopyElements / len), [&](Index lo, Index hi) {
    std::array<Index, kMaxRank> idx{};
    Index off = 0, rem = lo;
    for (int a = k - 2; a >= 0; --a) {
      const auto ua = static_cast<std::size_t>(a);
      idx[ua] = rem % c.dim[ua];
      rem /= c.dim[ua];
      off += idx[ua] * c.src_stride[ua];
    }
    for (Index row = lo; row < hi; ++row) {
      std::memcpy(dst + row * len, src + off, static_cast<std::size_t>(len) * sizeof(T));
      for (int a = k - 2; a >= 0; --a) {  // odometer step over the row axes
        const auto ua = static_cast<std::size_t>(a);
        off += c.src_stride[ua];
        if (++idx[ua] < c.dim[ua]) break;
        off -= c.src_stride[ua] * c.dim[ua];
        idx[ua] = 0;
      }
    }
  });
}

// Output axis q is the source's contiguous axis, the last output axis is strided
// in the source: a (batched) 2-D transpose, done in tiles so that both the strided
// reads and the contiguous writes stay in L1.
template <class T>
void copy_tiled(const T* src, T* dst, const Collapsed& c, int q) {
  constexpr Index kTile = 32;
  const int k = c.rank;
  const auto uq = static_cast<std::size_t>(q), ul = static_cast<std::size_t>(k - 1);
  std::array<Index, kMaxRank> dst_stride{};
  Index acc = 1;
  for (int a = k - 1; a >= 0; --a) {
    dst_stride[static_cast<std::size_t>(a)] = acc;
    acc *= c.dim[static_cast<std::size_t>(a)];
  }
  const Index rows = c.dim[uq], cols = c.dim[ul], col_stride = c.src_stride[ul], row_stride = dst_stride[uq];
  const Index row_blocks = (rows + kTile - 1) / kTile;
  const Index batches = acc / (rows * cols);
  const Index grain = std::max<Index>(1, detail::kParallelCopyElements / (kTile * cols));
  parallel_for(0, batches * row_blocks, grain, [&](Index lo, Index hi) {
    for (Index item = lo; item < hi; ++item) {
      Index rem = item / row_blocks, s0 = 0, d0 = 0;
      for (int a = k - 2; a >= 0; --a) {  // the batch axes are every axis but q and the last
        if (a == q) continue;
        const auto ua = static_cast<std::size_t>(a);
        const Index i = rem % c.dim[ua];
        rem /= c.dim[ua];
        s0 += i * c.src_stride[ua];
        d0 += i * dst_stride[ua];
      }
      const Index r0 = (item % row_blocks) * kTile, r1 = std::min(rows, r0 + kTile);
      for (Index c0 = 0; c0 < cols; c0 += kTile) {
        const Index c1 = std::min(cols, c0 + kTile);
        for (Index r = r0; r < r1; ++r) {
          const T* s = src + s0 + r;
          T* d = dst + d0 + r * row_stride;
          for (Index j = c0; j < c1; ++j) d[j] = s[j * col_stride];
        }
      }
    }
  });
}

}  // namespace

template <class T>
Tensor<T> reshape(const Tensor<T>& x, const Shape& shape) {
  return x.reshape(shape);
}

template <class T>
Tensor<T> permute(const Tensor<T>& x, const std::vector<int>& dims) {
  const Shape& xs = x.shape();
  const int r = xs.rank();
  if (static_cast<int>(dims.size()) != r)
    detail::fail<ValueError>("permute: {} axes given for a tensor of shape {}", dims.size(), xs);
  std::array<int, kMaxRank> perm{};
  std::array<bool, kMaxRank> seen{};
  Shape out_shape;
  for (int i = 0; i < r; ++i) {
    const int a = normalize_axis(dims[static_cast<std::size_t>(i)], r, "permute");
    if (seen[static_cast<std::size_t>(a)])
      detail::fail<ValueError>("permute: axis {} appears twice for a tensor of shape {}", dims[static_cast<std::size_t>(i)], xs);
    seen[static_cast<std::size_t>(a)] = true;
    perm[static_cast<std::size_t>(i)] = a;
    out_shape.push_back(xs[a]);
  }
  Tensor<T> out(out_shape);
  const Index n = x.numel();
  if (n == 0) return out;
  const Collapsed c = collapse(xs, perm);
  if (c.rank <= 1 || c.src_stride[static_cast<std::size_t>(c.rank - 1)] == 1) {
    if (c.rank <= 1) {
      std::memcpy(out.data(), x.data(), static_cast<std::size_t>(n) * sizeof(T));
    } else {
      copy_rows(x.data(), out.data(), c, n);
    }
    return out;
  }
  // The source's innermost non-unit axis has stride 1 and survives collapsing.
  const auto* unit = std::find(c.src_stride.begin(), c.src_stride.begin() + c.rank, Index(1));
  copy_tiled(x.data(), out.data(), c, static_cast<int>(unit - c.src_stride.begin()));
  return out;
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x, int a, int b) {
  const int r = x.dim();
  const int na = detail::require_axis(a, r, "transpose"), nb = detail::require_axis(b, r, "transpose");
  std::vector<int> dims(static_cast<std::size_t>(r));
  for (int i = 0; i < r; ++i) dims[static_cast<std::size_t>(i)] = i;
  std::swap(dims[static_cast<std::size_t>(na)], dims[static_cast<std::size_t>(nb)]);
  return permute(x, dims);
}

template <class T>
Tensor<T> unsqueeze(const Tensor<T>& x, int axis) {
  const Shape& xs = x.shape();
  if (xs.rank() == Shape::kMaxRank)
    detail::fail("unsqueeze: shape {} already has the maximum rank {}", xs, Shape::kMaxRank);
  const int a = normalize_axis(axis, xs.rank() + 1, "unsqueeze");
  Shape out;
  for (int i = 0; i < xs.rank(); ++i) {
    if (i == a) out.push_back(1);
    out.push_back(xs[i]);
  }
  if (a == xs.rank()) out.push_back(1);
  return x.reshape(out);
}

template <class T>
Tensor<T> squeeze(const Tensor<T>& x, int axis) {
  const Shape& xs = x.shape();
  const int a = normalize_axis(axis, xs.rank(), "squeeze");
  if (xs.rank() == 0) return x;
  if (xs[a] != 1) detail::fail("squeeze: axis {} of shape {} has size {}, not 1", axis, xs, xs[a]);
  Shape out;
  for (int i = 0; i < xs.rank(); ++i)
    if (i != a) out.push_back(xs[i]);
  return x.reshape(out);
}

template <class T>
Tensor<T> flatten(const Tensor<T>& x, int start, int end) {
  const Shape& xs = x.shape();
  if (xs.rank() == 0) return x.reshape(Shape{1});  // as torch.flatten: a scalar becomes (1,)
  const int s = normalize_axis(start, xs.rank(), "flatten"), e = normalize_axis(end, xs.rank(), "flatten");
  if (s > e) detail::fail<ValueError>("flatten: start axis {} comes after end axis {} for shape {}", start, end, xs);
  Shape out;
  for (int i = 0; i < s; ++i) out.push_back(xs[i]);
  Index merged = 1;
  for (int i = s; i <= e; ++i) merged *= xs[i];
  out.push_back(merged);
  for (int i = e + 1; i < xs.rank(); ++i) out.push_back(xs[i]);
  return x.reshape(out);
}

#define XGRAD_SHAPE_OPS(T)                                                    \
  template Tensor<T> reshape(const Tensor<T>&, const Shape&);                 \
  template Tensor<T> permute(const Tensor<T>&, const std::vector<int>&);      \
  template Tensor<T> transpose(const Tensor<T>&, int, int);                   \
  template Tensor<T> unsqueeze(const Tensor<T>&, int);                        \
  template Tensor<T> squeeze(const Tensor<T>&, int);                          \
  template Tensor<T> flatten(const Tensor<T>&, int, int);
XGRAD_SHAPE_OPS(float)
XGRAD_SHAPE_OPS(double)
XGRAD_SHAPE_OPS(Index)
#undef XGRAD_SHAPE_OPS

}  // namespace xgrad::core
