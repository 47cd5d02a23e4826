#include "xgrad/core/layer_norm.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;
using detail::kLanes;

// Rows per task and per partial sum of dw / db: fixed, so the sums do not depend on threads.
constexpr Index kRowBlock = 64;

// The lanes summed as a tree (xsimd::hadd): lane by lane, the two sums of a row of 128 were
// chains of 16 dependent adds each, longer than the row's loads (~140 cycles a row).
template <class T>
T lanes_sum(const Batch<T>& v) {
  return xsimd::hadd(v);
}

// sum(f(x_j)) over one row: whole batches in SIMD, the tail scalar (padding would add f(0)).
template <class T, class F>
T row_sum(const T* x, Index n, const F& f) {
  Batch<T> acc(T(0));
  Index j = 0;
  for (; j + kLanes<T> <= n; j += kLanes<T>) acc += f(Batch<T>::load_unaligned(x + j));
  T r = lanes_sum(acc);
  for (; j < n; ++j) r += f(x[j]);
  return r;
}

template <class T>
void check(const char* op, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, Index n) {
  if (n <= 0 || x.numel() % n != 0)
    detail::fail("{}: input {} does not split into rows of {}", op, x.shape(), n);
  if ((w.defined() && w.numel() != n) || (b.defined() && b.numel() != n))
    detail::fail("{}: weight {} and bias {} must have {} elements", op, w.shape(), b.shape(), n);
}

// y = ((x - mean) rstd) w + b for one row; w, b may be null.
template <class T>
void normalize_row(T* y, const T* x, Index n, T mean, T rstd, const T* w, const T* b) {
  const Batch<T> m(mean), rs(rstd);
  detail::for_each_batch<T>(0, n, [&](const auto& at) {
    Batch<T> v = (at.load(x) - m) * rs;
    if (w) v *= at.load(w);
    if (b) v += at.load(b);
    at.store(y, v);
  });
}

}  // namespace

template <class T>
Tensor<T> layer_norm_forward(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, Index n, T eps,
                             LayerNormStats<T>& stats) {
  check("layer_norm", x, w, b, n);
  const Index rows = x.numel() / n;
  Tensor<T> y(x.shape());
  stats.mean = Tensor<T>(Shape{rows});
  stats.rstd = Tensor<T>(Shape{rows});
  const T* wp = w.defined() ? w.data() : nullptr;
  const T* bp = b.defined() ? b.data() : nullptr;
  parallel_for(0, rows, kRowBlock, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      const T* xr = x.data() + r * n;
      // Two passes, as the composed mean and var: the parity tests compare to 1e-10 in double.
      const T mean = row_sum(xr, n, [](auto v) { return v; }) / static_cast<T>(n);
      const T var = row_sum(xr, n, [mean](auto v) { return (v - mean) * (v - mean); }) / static_cast<T>(n);
      const T rstd = T(1) / std::sqrt(var + eps);
      stats.mean.data()[r] = mean, stats.rstd.data()[r] = rstd;
      normalize_row(y.data() + r * n, xr, n, mean, rstd, wp, bp);
    }
  });
  return y;
}

namespace {

// One pass over a row of dy: adds dy x^ into pw and dy into pb (each null when not wanted),
// writes g = dy w (dy when w is null) and returns dx's two row sums, of g and of g x^, in
// SIMD lanes then the tail (as row_sum). Five passes over the row before (the two sums were
// ~3% of a Transformer VAE step as scalar chains, bench/README.md).
template <class T>
std::pair<T, T> grads_and_sums(const T* gr, const T* xr, const T* wp, Index n, T mean, T rstd, T* pw, T* pb, T* g) {
  const Batch<T> m(mean), rs(rstd);
  Batch<T> sg(T(0)), sgx(T(0));
  Index j = 0;
  for (; j + kLanes<T> <= n; j += kLanes<T>) {
    const Batch<T> gy = Batch<T>::load_unaligned(gr + j), d = Batch<T>::load_unaligned(xr + j) - m;
    if (pw) (Batch<T>::load_unaligned(pw + j) + gy * d * rs).store_unaligned(pw + j);
    if (pb) (Batch<T>::load_unaligned(pb + j) + gy).store_unaligned(pb + j);
    const Batch<T> gv = wp ? gy * Batch<T>::load_unaligned(wp + j) : gy;
    gv.store_unaligned(g + j);
    sg += gv;
    sgx += gv * d * rs;
  }
  T a = lanes_sum(sg), c = lanes_sum(sgx);
  for (; j < n; ++j) {
    const T gy = gr[j], d = xr[j] - mean;
    if (pw) pw[j] += gy * d * rstd;
    if (pb) pb[j] += gy;
    g[j] = wp ? gy * wp[j] : gy;
    a += g[j];
    c += g[j] * d * rstd;
  }
  return {a, c};
}

// dx of one row, from g = dy w and its two row sums: dx = rstd (g - a - x^ c), written
// (Add false) or added. Add is a template parameter so no branch sits in the loop; whole
// batches in SIMD, the tail scalar. (GCC had already unswitched and vectorised the scalar
// loop: this says so in the source rather than leaving it to the optimiser.)
template <bool Add, class T>
void dx_row(T* dx, const T* x, const T* g, Index n, T mean, T rstd, T sg, T sgx) {
  const T a = sg / static_cast<T>(n), c = sgx / static_cast<T>(n);
  const Batch<T> m(mean), rs(rstd), va(a), vc(c);
  Index j = 0;
  for (; j + kLanes<T> <= n; j += kLanes<T>) {
    const Batch<T> xv = Batch<T>::load_unaligned(x + j), gv = Batch<T>::load_unaligned(g + j);
    Batch<T> v = rs * (gv - va - (xv - m) * rs * vc);
    if constexpr (Add) v += Batch<T>::load_unaligned(dx + j);
    v.store_unaligned(dx + j);
  }
  for (; j < n; ++j) {
    const T v = rstd * (g[j] - a - (x[j] - mean) * rstd * c);
    dx[j] = Add ? dx[j] + v : v;
  }
}

}  // namespace

template <class T>
void layer_norm_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w, Index n,
                         const LayerNormStats<T>& stats, Tensor<T>* dx, bool add_dx, Tensor<T>* dw, bool add_dw,
                         Tensor<T>* db, bool add_db) {
  check("layer_norm_backward", x, w, Tensor<T>(), n);
  if (gy.shape() != x.shape()) detail::fail("layer_norm_backward: gradient {} for an input {}", gy.shape(), x.shape());
  const Index rows = x.numel() / n, blocks = (rows + kRowBlock - 1) / kRowBlock;
  // Per block of rows: partial dw and db side by side (one block's pair 2n apart, summed in
  // block order below). Not two arrays: at 32 blocks of 128 their rows were 16 KiB apart, so
  // the load of pb[j] right after the store to pw[j] matched it in the low 12 address bits
  // (27 % of the kernel's samples sat on that pair in the 2-thread step's profile).
  const Index wcols = dw ? n : 0, stride = wcols + (db ? n : 0);
  std::vector<T> part(static_cast<std::size_t>(blocks * stride), T(0));
  std::vector<T> scratch(static_cast<std::size_t>(n * thread_slots()));
  const T* wp = w.defined() ? w.data() : nullptr;
  parallel_for(0, blocks, 1, [&](Index lo, Index hi) {
    T* g = scratch.data() + thread_slot() * n;
    for (Index blk = lo; blk < hi; ++blk) {
      T* pw = dw ? part.data() + blk * stride : nullptr;
      T* pb = db ? part.data() + blk * stride + wcols : nullptr;
      for (Index r = blk * kRowBlock; r < std::min(rows, (blk + 1) * kRowBlock); ++r) {
        const T *xr = x.data() + r * n, *gr = gy.data() + r * n;
        const T mean = stats.mean.data()[r], rstd = stats.rstd.data()[r];
        const auto [sg, sgx] = grads_and_sums(gr, xr, wp, n, mean, rstd, pw, pb, g);
        if (!dx) continue;
        if (add_dx)
          dx_row<true>(dx->data() + r * n, xr, g, n, mean, rstd, sg, sgx);
        else
          dx_row<false>(dx->data() + r * n, xr, g, n, mean, rstd, sg, sgx);
      }
    }
  });
  auto reduce = [&](Tensor<T>* out, bool add, Index offset) {
    if (!out) return;
    T* o = out->data();
    if (!add) std::fill(o, o + n, T(0));
    for (Index blk = 0; blk < blocks; ++blk)
      for (Index j = 0; j < n; ++j) o[j] += part[static_cast<std::size_t>(blk * stride + offset + j)];
  };
  reduce(dw, add_dw, 0);
  reduce(db, add_db, wcols);
}

#define XGRAD_INSTANTIATE(T)                                                                                    \
  template Tensor<T> layer_norm_forward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Index, T,      \
                                           LayerNormStats<T>&);                                                 \
  template void layer_norm_backward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Index,            \
                                       const LayerNormStats<T>&, Tensor<T>*, bool, Tensor<T>*, bool, Tensor<T>*, \
                                       bool);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
