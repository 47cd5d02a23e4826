// Reductions. Every reduction is brought to one of two layouts over a contiguous
// buffer: rows (K rows of R contiguous elements) or columns (K1 slabs of R rows
// of K2 elements, reduced down the rows). The axes are first normalised and
// adjacent axes merged; trailing reduced axes give rows, leading or middle ones
// columns. Reduced axes on both sides of a kept one (a bias gradient over N, H, W
// of NCHW) are read as gathered rows: each row is the reduced elements in order,
// made of contiguous segments, and each piece of it is gathered into a small
// buffer before the same row kernel runs, so the tensor is never transposed into a
// copy. Any other pattern is permuted (reduced axes to the back) into a temporary
// buffer and reduced as rows.
//
// Determinism: the work is cut into pieces whose sizes depend only on the shape
// (row blocks of kBlock elements, column tasks of kRowBlock rows), each piece is
// reduced in a fixed order (pairwise, SIMD leaves), and partial results are
// combined in piece order by the same routine. Threads only decide who computes
// which piece, so results are bitwise the same for any thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;
using detail::kLanes;

constexpr Index kBlock = 8192;     ///< elements per piece of a long row
constexpr Index kLeaf = 512;       ///< pairwise summation ends in a linear SIMD loop this long
constexpr Index kRowBlock = 512;   ///< rows per piece of a column reduction
constexpr Index kColLeaf = 8;      ///< rows per linear step of a column reduction

// ---- combining operations and element maps ---------------------------------------
struct SumOp {
  template <class T>
  static T identity() {
    return T(0);
  }
  template <class V>
  V operator()(const V& a, const V& b) const {
    return a + b;
  }
};
struct MaxOp : detail::NanMax {
  template <class T>
  static T identity() {
    return -std::numeric_limits<T>::infinity();
  }
};
struct MinOp : detail::NanMin {
  template <class T>
  static T identity() {
    return std::numeric_limits<T>::infinity();
  }
};

/// Element maps take the element and the output's parameter (a mean, a max).
struct Identity {
  static constexpr Index grain = detail::kCheapGrain;
  template <class V>
  V operator()(const V& x, const V&) const {
    return x;
  }
};
struct SquaredDeviation {
  static constexpr Index grain = detail::kCheapGrain;
  template <class V>
  V operator()(const V& x, const V& mean) const {
    const V d = x - mean;
    return d * d;
  }
};
struct ShiftedExp {
  static constexpr Index grain = detail::kCostlyGrain;
  template <class V>
  V operator()(const V& x, const V& max) const {
    using std::exp;  // xsimd::exp for batches, through argument-dependent lookup
    return exp(x - max);
  }
};

// ---- rows: out[k] = reduce(x[k * R .. (k + 1) * R)) ---------------------------------
template <class T>
Batch<T> lane_index() {
  alignas(64) T idx[kLanes<T>];
  for (Index i = 0; i < kLanes<T>; ++i) idx[i] = static_cast<T>(i);
  return Batch<T>::load_aligned(idx);
}

template <class T, class Op, class Map>
Batch<T> row_leaf(const T* x, Index n, const Batch<T>& p, Op op, Map map) {
  constexpr Index B = kLanes<T>;
  const Batch<T> id(Op::template identity<T>());
  Batch<T> a0 = id, a1 = id, a2 = id, a3 = id;
  Index i = 0;
  for (; i + 4 * B <= n; i += 4 * B) {
    a0 = op(a0, map(detail::load(x, i), p));
    a1 = op(a1, map(detail::load(x, i + B), p));
    a2 = op(a2, map(detail::load(x, i + 2 * B), p));
    a3 = op(a3, map(detail::load(x, i + 3 * B), p));
  }
  for (; i + B <= n; i += B) a0 = op(a0, map(detail::load(x, i), p));
  if (i < n) {
    const Batch<T> v = map(detail::load_partial(x, i, n - i), p);
    a1 = op(a1, xsimd::select(lane_index<T>() < Batch<T>(static_cast<T>(n - i)), v, id));
  }
  return op(op(a0, a1), op(a2, a3));
}

template <class T, class Op, class Map>
Batch<T> row_pairwise(const T* x, Index n, const Batch<T>& p, Op op, Map map) {
  if (n <= kLeaf) return row_leaf(x, n, p, op, map);
  const Index half = n / 2 / kLanes<T> * kLanes<T>;
  return op(row_pairwise(x, half, p, op, map), row_pairwise(x + half, n - half, p, op, map));
}

/// Combines the lanes of a batch in a fixed (pairwise) order.
template <class T, class Op>
T lanes_reduce(const Batch<T>& v, Op op) {
  alignas(64) T buf[kLanes<T>];
  v.store_aligned(buf);
  for (Index w = kLanes<T> / 2; w >= 1; w /= 2)
    for (Index i = 0; i < w; ++i) buf[i] = op(buf[i], buf[i + w]);
  return buf[0];
}

template <class T, class Op, class Map>
T reduce_row(const T* x, Index n, T p, Op op, Map map) {
  return lanes_reduce(row_pairwise(x, n, Batch<T>(p), op, map), op);
}

template <class T, class Op, class Map>
void reduce_rows(const T* x, Index K, Index R, const T* param, T* out, Op op, Map map) {
  auto p = [&](Index k) { return param ? param[k] : T(0); };
  if (R < kLanes<T>) {
    // Rows shorter than a batch (size-1 axes, a handful of classes): a scalar
    // loop costs less than a padded batch and a lane reduction per row.
    parallel_for(0, K, rows_per_task(Map::grain, R), [&](Index lo, Index hi) {
      for (Index k = lo; k < hi; ++k) {
        T acc = Op::template identity<T>();
        for (Index r = 0; r < R; ++r) acc = op(acc, map(x[k * R + r], p(k)));
        out[k] = acc;
      }
    });
    return;
  }
  const Index nb = (R + kBlock - 1) / kBlock;
  if (nb == 1) {
    parallel_for(0, K, rows_per_task(Map::grain, R), [&](Index lo, Index hi) {
      for (Index k = lo; k < hi; ++k) out[k] = reduce_row(x + k * R, R, p(k), op, map);
    });
    return;
  }
  // Long rows: fixed blocks, then the blocks' results as rows of nb.
  std::vector<T> partial(static_cast<std::size_t>(K * nb));
  parallel_for(0, K * nb, rows_per_task(Map::grain, kBlock), [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      const Index k = t / nb, b = t % nb;
      const Index start = b * kBlock;
      partial[static_cast<std::size_t>(t)] = reduce_row(x + k * R + start, std::min(kBlock, R - start), p(k), op, map);
    }
  });
  reduce_rows(partial.data(), K, nb, static_cast<const T*>(nullptr), out, op, Identity{});
}

// ---- columns: out[k1, k2] = reduce over r of x[k1, r, k2] -----------------------------
template <class V, class T>
V load_v(const T* p) {
  if constexpr (std::is_same_v<V, T>) return *p;
  else return V::load_unaligned(p);
}
template <class V, class T>
void store_v(T* p, const V& v) {
  if constexpr (std::is_same_v<V, T>) *p = v;
  else v.store_unaligned(p);
}

/// Reduces n rows (`stride` apart) of NB adjacent vectors — batches, or single
/// columns when V is T — pairwise over the rows.
template <int NB, class V, class T, class Op, class Map>
std::array<V, NB> col_pairwise(const T* x, Index n, Index stride, const std::array<V, NB>& p, Op op, Map map) {
  constexpr Index W = std::is_same_v<V, T> ? 1 : kLanes<T>;
  std::array<V, NB> acc;
  if (n <= kColLeaf) {
    acc.fill(V(Op::template identity<T>()));
    for (Index r = 0; r < n; ++r)
      for (int j = 0; j < NB; ++j) acc[j] = op(acc[j], map(load_v<V>(x + r * stride + j * W), p[j]));
    return acc;
  }
  const Index half = n / 2;
  acc = col_pairwise<NB>(x, half, stride, p, op, map);
  const auto rest = col_pairwise<NB>(x + half * stride, n - half, stride, p, op, map);
  for (int j = 0; j < NB; ++j) acc[j] = op(acc[j], rest[j]);
  return acc;
}

/// dst[col, col + NB * width) = the reduction of those columns over `rows` rows.
template <int NB, class V, class T, class Op, class Map>
void reduce_col_group(const T* base, Index rows, Index K2, Index col, const T* param, T* dst, Op op, Map map) {
  constexpr Index W = std::is_same_v<V, T> ? 1 : kLanes<T>;
  std::array<V, NB> p;
  for (int j = 0; j < NB; ++j) p[j] = param ? load_v<V>(param + col + j * W) : V(T(0));
  const auto r = col_pairwise<NB, V>(base + col, rows, K2, p, op, map);
  for (int j = 0; j < NB; ++j) store_v(dst + col + j * W, r[j]);
}

template <class T, class Op, class Map>
void reduce_cols(const T* x, Index K1, Index R, Index K2, const T* param, T* out, Op op, Map map) {
  constexpr Index B = kLanes<T>;
  // Column chunks: groups of 4 batches (4 independent accumulator chains, 4
  // cache lines per row), then single batches, then the scalar tail columns.
  const Index nvec = K2 / B, n4 = nvec / 4, n1 = nvec % 4;
  const Index nchunks = n4 + n1 + (K2 % B ? 1 : 0);
  const Index nrb = (R + kRowBlock - 1) / kRowBlock;
  std::vector<T> partial(nrb > 1 ? static_cast<std::size_t>(K1 * nrb * K2) : 0);
  const Index tasks = K1 * nrb * nchunks;
  const Index per_task = std::min(R, kRowBlock) * 4 * B;
  parallel_for(0, tasks, rows_per_task(Map::grain, per_task), [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      const Index c = t % nchunks, rb = t / nchunks % nrb, k1 = t / (nchunks * nrb);
      const Index r0 = rb * kRowBlock, rows = std::min(kRowBlock, R - r0);
      const T* base = x + (k1 * R + r0) * K2;
      T* dst = nrb > 1 ? partial.data() + (k1 * nrb + rb) * K2 : out + k1 * K2;
      const T* prm = param ? param + k1 * K2 : nullptr;
      if (c < n4) {
        reduce_col_group<4, Batch<T>>(base, rows, K2, c * 4 * B, prm, dst, op, map);
      } else if (c < n4 + n1) {
        reduce_col_group<1, Batch<T>>(base, rows, K2, (4 * n4 + c - n4) * B, prm, dst, op, map);
      } else {
        for (Index col = nvec * B; col < K2; ++col) reduce_col_group<1, T>(base, rows, K2, col, prm, dst, op, map);
      }
    }
  });
  if (nrb > 1) reduce_cols(partial.data(), K1, nrb, K2, static_cast<const T*>(nullptr), out, op, Identity{});
}

// ---- layout -----------------------------------------------------------------------------
/// A reduction brought to a (K1, R, K2) layout over `data`, which is x's storage
/// or a permuted copy (then K2 == 1).
template <class T>
struct Layout {
  Shape out_shape;
  Index K1 = 1, R = 1, K2 = 1;
  const T* data = nullptr;
  Tensor<T> buffer;  // the permuted copy, when one was needed
  // Gathered rows (segment > 0): row k starts at data + row_start[k], and its
  // elements are segments of `segment` contiguous elements at row_start[k] + seg_start[q].
  Index segment = 0;
  std::vector<Index> row_start, seg_start;
};

/// Offsets of every index over the groups g with pick[g] set, in row-major order of
/// those groups, where group g steps by stride[g].
std::vector<Index> offsets(const std::vector<Index>& dims, const std::vector<Index>& stride,
                           const std::vector<bool>& pick) {
  std::vector<Index> out{0};
  for (std::size_t g = 0; g < dims.size(); ++g) {
    if (!pick[g]) continue;
    std::vector<Index> next;
    next.reserve(out.size() * static_cast<std::size_t>(dims[g]));
    for (Index o : out)
      for (Index i = 0; i < dims[g]; ++i) next.push_back(o + i * stride[g]);
    out = std::move(next);
  }
  return out;
}

/// Reduced groups on both sides of a kept one, the last of them trailing: rows of
/// contiguous segments (the same row, element for element, as the permuted copy's).
template <class T>
void gather_rows(Layout<T>& L, const std::vector<Index>& gdims, const std::vector<bool>& gred) {
  const std::size_t m = gdims.size();
  std::vector<Index> stride(m, 1);
  for (std::size_t g = m - 1; g-- > 0;) stride[g] = stride[g + 1] * gdims[g + 1];
  std::vector<bool> kept(m), outer = gred;
  for (std::size_t g = 0; g < m; ++g) kept[g] = !gred[g];
  outer[m - 1] = false;  // the trailing group is the segment itself
  L.segment = gdims[m - 1];
  L.row_start = offsets(gdims, stride, kept);
  L.seg_start = offsets(gdims, stride, outer);
}

/// Copies elements [start, start + n) of gathered row k to dst.
template <class T>
void gather(const Layout<T>& L, Index k, Index start, Index n, T* dst) {
  const T* row = L.data + L.row_start[static_cast<std::size_t>(k)];
  Index q = start / L.segment, j = start % L.segment;
  while (n > 0) {
    const Index c = std::min(L.segment - j, n);
    std::copy_n(row + L.seg_start[static_cast<std::size_t>(q)] + j, c, dst);
    dst += c, n -= c, ++q, j = 0;
  }
}

/// reduce_rows over gathered rows: the same pieces (rows, or blocks of long rows),
/// each gathered into a buffer and reduced by the same kernel, so the same bits.
template <class T, class Op, class Map>
void reduce_gathered(const Layout<T>& L, const T* param, T* out, Op op, Map map) {
  const Index K = L.K1, R = L.R, piece = std::min(R, kBlock);
  const Index nb = (R + kBlock - 1) / kBlock;
  auto p = [&](Index k) { return param ? param[k] : T(0); };
  std::vector<T> partial(nb > 1 ? static_cast<std::size_t>(K * nb) : 0);
  parallel_for(0, K * nb, rows_per_task(Map::grain, piece), [&](Index lo, Index hi) {
    std::vector<T> buf(static_cast<std::size_t>(piece));
    for (Index t = lo; t < hi; ++t) {
      const Index k = t / nb, start = t % nb * kBlock, n = std::min(kBlock, R - start);
      gather(L, k, start, n, buf.data());
      T v;
      if (R < kLanes<T>) {  // as reduce_rows' scalar loop
        v = Op::template identity<T>();
        for (Index r = 0; r < n; ++r) v = op(v, map(buf[static_cast<std::size_t>(r)], p(k)));
      } else {
        v = reduce_row(buf.data(), n, p(k), op, map);
      }
      (nb > 1 ? partial[static_cast<std::size_t>(t)] : out[k]) = v;
    }
  });
  if (nb > 1) reduce_rows(partial.data(), K, nb, static_cast<const T*>(nullptr), out, op, Identity{});
}

/// Copies x, seen as `dims` (contiguous), to `dst` with its axes reordered by `perm`.
template <class T>
void permute_copy(const T* src, const std::vector<Index>& dims, const std::vector<int>& perm, T* dst) {
  const int m = static_cast<int>(dims.size());
  std::vector<Index> src_stride(dims.size(), 1);
  for (int i = m - 2; i >= 0; --i) src_stride[i] = src_stride[i + 1] * dims[i + 1];
  std::vector<Index> d(dims.size()), s(dims.size());  // dims and source strides in dst order
  for (int i = 0; i < m; ++i) {
    d[i] = dims[static_cast<std::size_t>(perm[i])];
    s[i] = src_stride[static_cast<std::size_t>(perm[i])];
  }
  const Index inner = d[m - 1], inner_stride = s[m - 1];
  Index rows = 1;
  for (int i = 0; i < m - 1; ++i) rows *= d[i];
  parallel_for(0, rows, rows_per_task(detail::kCheapGrain, inner), [&](Index lo, Index hi) {
    for (Index row = lo; row < hi; ++row) {
      Index rem = row, off = 0;
      for (int i = m - 2; i >= 0; --i) {
        off += rem % d[i] * s[i];
        rem /= d[i];
      }
      const T* in = src + off;
      T* o = dst + row * inner;
      for (Index j = 0; j < inner; ++j) o[j] = in[j * inner_stride];
    }
  });
}

template <class T>
Layout<T> make_layout(const Tensor<T>& x, const std::vector<int>& axes, bool keepdim, const char* op) {
  if (!x.defined()) detail::fail<ValueError>("{}: the input tensor is undefined", op);
  const Shape& s = x.shape();
  std::array<bool, Shape::kMaxRank> reduced{};
  for (int a : normalize_axes(axes, s.rank(), op))
    if (a < s.rank()) reduced[static_cast<std::size_t>(a)] = true;  // axis 0 of a rank-0 tensor is a no-op
  Layout<T> L;
  // Merge adjacent axes of the same kind; size-1 axes are of either kind.
  std::vector<Index> gdims;
  std::vector<bool> gred;
  Index K = 1;
  for (int i = 0; i < s.rank(); ++i) {
    const bool r = reduced[static_cast<std::size_t>(i)];
    if (r && keepdim) L.out_shape.push_back(1);
    if (!r) L.out_shape.push_back(s[i]);
    (r ? L.R : K) *= s[i];
    if (s[i] == 1) continue;
    if (!gdims.empty() && gred.back() == r) gdims.back() *= s[i];
    else gdims.push_back(s[i]), gred.push_back(r);
  }
  L.data = x.data();
  const int nred = static_cast<int>(std::count(gred.begin(), gred.end(), true));
  if (nred <= 1) {
    L.K2 = 1;
    bool after = false;
    for (std::size_t g = 0; g < gdims.size(); ++g) {
      if (gred[g]) after = true;
      else (after ? L.K2 : L.K1) *= gdims[g];
    }
    if (nred == 0) L.K1 = K, L.K2 = 1;  // nothing to reduce: rows of one element
    return L;
  }
  L.K1 = K;
  L.K2 = 1;
  if (gred.back()) {
    gather_rows(L, gdims, gred);
    return L;
  }
  // Reduced axes to the back: kept groups in order, then reduced ones.
  std::vector<int> perm;
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t g = 0; g < gdims.size(); ++g)
      if (gred[g] == (pass == 1)) perm.push_back(static_cast<int>(g));
  L.buffer = Tensor<T>(Shape{x.numel()});
  permute_copy(x.data(), gdims, perm, L.buffer.data());
  L.data = L.buffer.data();
  return L;
}

/// Runs one reduction pass over a layout into out (K1 * K2 values).
template <class T, class Op, class Map>
void run(const Layout<T>& L, T* out, Op op, Map map, const T* param = nullptr) {
  if (L.segment > 0) reduce_gathered(L, param, out, op, map);
  else if (L.K2 == 1) reduce_rows(L.data, L.K1, L.R, param, out, op, map);
  else reduce_cols(L.data, L.K1, L.R, L.K2, param, out, op, map);
}

}  // namespace

template <class T>
Tensor<T> sum(const Tensor<T>& x, const Axes& axes, bool keepdim) {
  Layout<T> L = make_layout(x, axes, keepdim, "sum");
  Tensor<T> out(L.out_shape);
  if (L.R == 0) out.fill_(T(0));
  else if (out.numel() > 0) run(L, out.data(), SumOp{}, Identity{});
  return out;
}

template <class T>
Tensor<T> mean(const Tensor<T>& x, const Axes& axes, bool keepdim) {
  Layout<T> L = make_layout(x, axes, keepdim, "mean");
  Tensor<T> out(L.out_shape);
  if (L.R == 0) {
    out.fill_(std::numeric_limits<T>::quiet_NaN());
  } else if (out.numel() > 0) {
    run(L, out.data(), SumOp{}, Identity{});
    for (T& v : out) v /= static_cast<T>(L.R);
  }
  return out;
}

template <class T>
Tensor<T> var(const Tensor<T>& x, const Axes& axes, bool keepdim, Index correction) {
  Layout<T> L = make_layout(x, axes, keepdim, "var");
  Tensor<T> out(L.out_shape);
  if (L.R == 0) {
    out.fill_(std::numeric_limits<T>::quiet_NaN());
    return out;
  }
  if (out.numel() == 0) return out;
  // Two passes (the mean, then squared deviations from it): as accurate as
  // Welford's update and vectorises.
  std::vector<T> m(static_cast<std::size_t>(out.numel()));
  run(L, m.data(), SumOp{}, Identity{});
  for (T& v : m) v /= static_cast<T>(L.R);
  run(L, out.data(), SumOp{}, SquaredDeviation{}, m.data());
  const T divisor = static_cast<T>(std::max<Index>(L.R - correction, 0));
  for (T& v : out) v /= divisor;
  return out;
}

namespace {
template <class T, class Op>
Tensor<T> extreme(const Tensor<T>& x, const Axes& axes, bool keepdim, const char* op, Op combine) {
  Layout<T> L = make_layout(x, axes, keepdim, op);
  if (L.R == 0) detail::fail<ValueError>("{}: cannot reduce over zero elements (shape {})", op, x.shape());
  Tensor<T> out(L.out_shape);
  if (out.numel() > 0) run(L, out.data(), combine, Identity{});
  return out;
}
}  // namespace

template <class T>
Tensor<T> max(const Tensor<T>& x, const Axes& axes, bool keepdim) {
  return extreme(x, axes, keepdim, "max", MaxOp{});
}

template <class T>
Tensor<T> min(const Tensor<T>& x, const Axes& axes, bool keepdim) {
  return extreme(x, axes, keepdim, "min", MinOp{});
}

template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, const Axes& axes, bool keepdim) {
  Layout<T> L = make_layout(x, axes, keepdim, "logsumexp");
  Tensor<T> out(L.out_shape);
  if (L.R == 0) {
    out.fill_(-std::numeric_limits<T>::infinity());  // log of an empty sum
    return out;
  }
  if (out.numel() == 0) return out;
  // m = max, then log(sum(exp(x - m))) + m. An infinite max is replaced by 0 (as
  // torch does), so all -inf gives log(0) = -inf and a +inf gives +inf, not NaN.
  std::vector<T> m(static_cast<std::size_t>(out.numel()));
  run(L, m.data(), MaxOp{}, Identity{});
  for (T& v : m)
    if (std::isinf(v)) v = T(0);
  run(L, out.data(), SumOp{}, ShiftedExp{}, m.data());
  for (Index k = 0; k < out.numel(); ++k) out.data()[k] = std::log(out.data()[k]) + m[static_cast<std::size_t>(k)];
  return out;
}

namespace {
/// Index of the first max (Better = greater) or min (less) along the middle axis of
/// (K1, R, K2); a NaN wins over any number, as in torch.
template <class T, class Better>
IndexTensor arg_reduce(const Tensor<T>& x, int axis, bool keepdim, const char* op, Better better) {
  if (!x.defined()) detail::fail<ValueError>("{}: the input tensor is undefined", op);
  const int rank = x.dim();
  const int a = normalize_axis(axis, rank, op);
  Index K1 = 1, R = 1, K2 = 1;
  Shape out_shape;
  for (int i = 0; i < rank; ++i) {
    if (i < a) K1 *= x.shape()[i];
    if (i > a) K2 *= x.shape()[i];
    if (i == a) R = x.shape()[i];
    if (i != a || keepdim) out_shape.push_back(i == a ? 1 : x.shape()[i]);
  }
  if (R == 0) detail::fail<ValueError>("{}: cannot reduce over zero elements (axis {} of shape {})", op, axis, x.shape());
  IndexTensor out(out_shape);
  if (out.numel() == 0) return out;
  auto wins = [&](T v, T best) { return !(best != best) && (better(v, best) || v != v); };
  const T* data = x.data();
  parallel_for(0, K1, rows_per_task(detail::kCheapGrain, R * K2), [&](Index lo, Index hi) {
    std::vector<T> best(static_cast<std::size_t>(K2));
    for (Index k1 = lo; k1 < hi; ++k1) {
      const T* slab = data + k1 * R * K2;
      Index* idx = out.data() + k1 * K2;
      std::copy(slab, slab + K2, best.begin());
      std::fill(idx, idx + K2, Index(0));
      for (Index r = 1; r < R; ++r) {
        const T* row = slab + r * K2;
        for (Index k2 = 0; k2 < K2; ++k2) {
          if (wins(row[k2], best[static_cast<std::size_t>(k2)])) {
            best[static_cast<std::size_t>(k2)] = row[k2];
            idx[k2] = r;
          }
        }
      }
    }
  });
  return out;
}
}  // namespace

template <class T>
IndexTensor argmax(const Tensor<T>& x, int axis, bool keepdim) {
  return arg_reduce(x, axis, keepdim, "argmax", [](T v, T best) { return v > best; });
}

template <class T>
IndexTensor argmin(const Tensor<T>& x, int axis, bool keepdim) {
  return arg_reduce(x, axis, keepdim, "argmin", [](T v, T best) { return v < best; });
}

#define XGRAD_REDUCE(T)                                                       \
  template Tensor<T> sum(const Tensor<T>&, const Axes&, bool);               \
  template Tensor<T> mean(const Tensor<T>&, const Axes&, bool);              \
  template Tensor<T> var(const Tensor<T>&, const Axes&, bool, Index);        \
  template Tensor<T> max(const Tensor<T>&, const Axes&, bool);               \
  template Tensor<T> min(const Tensor<T>&, const Axes&, bool);               \
  template Tensor<T> logsumexp(const Tensor<T>&, const Axes&, bool);         \
  template IndexTensor argmax(const Tensor<T>&, int, bool);                  \
  template IndexTensor argmin(const Tensor<T>&, int, bool);
XGRAD_REDUCE(float)
XGRAD_REDUCE(double)
#undef XGRAD_REDUCE

}  // namespace xgrad::core
