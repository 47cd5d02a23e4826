#include "xgrad/core/detail/conv_im2col.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::core::detail {
namespace {

using Geometry = ConvGeometry;

Index ceil_div(Index a, Index b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The output positions o in [0, out) whose input index o*s - pad + off lies in [0, size).
std::pair<Index, Index> valid_range(Index size, Index s, Index pad, Index off, Index out) {
  const Index lo = std::clamp<Index>(ceil_div(pad - off, s), 0, out);
  const Index hi = std::clamp<Index>(ceil_div(size + pad - off, s), lo, out);
  return {lo, hi};
}

// Rows of channels [c_lo, c_hi) of the column matrix (row stride ld) from image x.
template <class T>
void im2col(const T* x, T* cols, Index ld, const Geometry& g, Index c_lo, Index c_hi) {
  for (Index c = c_lo; c < c_hi; ++c)
    for (Index i = 0; i < g.kh; ++i) {
      const auto [ylo, yhi] = valid_range(g.h, g.sh, g.ph, i * g.dh, g.oh);
      for (Index j = 0; j < g.kw; ++j) {
        T* row = cols + ((c * g.kh + i) * g.kw + j) * ld;
        const auto [xlo, xhi] = valid_range(g.w, g.sw, g.pw, j * g.dw, g.ow);
        std::fill(row, row + ylo * g.ow, T(0));
        for (Index oy = ylo; oy < yhi; ++oy) {
          T* d = row + oy * g.ow;
          const T* src = x + (c * g.h + oy * g.sh - g.ph + i * g.dh) * g.w;
          const Index ix0 = j * g.dw - g.pw;  // input column of output column 0
          std::fill(d, d + xlo, T(0));
          if (g.sw == 1)
            std::memcpy(d + xlo, src + xlo + ix0, static_cast<std::size_t>(xhi - xlo) * sizeof(T));
          else
            for (Index ox = xlo; ox < xhi; ++ox) d[ox] = src[ox * g.sw + ix0];
          std::fill(d + xhi, d + g.ow, T(0));
        }
        std::fill(row + yhi * g.ow, row + g.oh * g.ow, T(0));
      }
    }
}

// The adjoint of im2col: adds the column rows of channels [c_lo, c_hi) into image x.
template <class T>
void col2im(const T* cols, T* x, const Geometry& g, Index c_lo, Index c_hi) {
  const Index ld = g.cols();
  for (Index c = c_lo; c < c_hi; ++c)
    for (Index i = 0; i < g.kh; ++i) {
      const auto [ylo, yhi] = valid_range(g.h, g.sh, g.ph, i * g.dh, g.oh);
      for (Index j = 0; j < g.kw; ++j) {
        const T* row = cols + ((c * g.kh + i) * g.kw + j) * ld;
        const auto [xlo, xhi] = valid_range(g.w, g.sw, g.pw, j * g.dw, g.ow);
        const Index ix0 = j * g.dw - g.pw;
        for (Index oy = ylo; oy < yhi; ++oy) {
          const T* s = row + oy * g.ow;
          T* dst = x + (c * g.h + oy * g.sh - g.ph + i * g.dh) * g.w;
          for (Index ox = xlo; ox < xhi; ++ox) dst[ox * g.sw + ix0] += s[ox];
        }
      }
    }
}

// Channel chunks of an unfolding worth a task; used when images run one at a time.
Index channel_grain(const Geometry& g) {
  return std::max<Index>(1, 32768 / std::max<Index>(1, g.kh * g.kw * g.cols()));
}

// Calls body(n, scratch) for every image n < count. When one image's product is small
// enough for OpenBLAS to run it single-threaded, images run in parallel (each task
// with its own scratch); otherwise one after another, so BLAS has the threads, and
// `inner` tells the body it may parallelise its unfolding. Every image is computed
// the same way either way, so results do not depend on the thread count.
template <class T, class Body>
void for_each_image(Index count, Index scratch, bool small, Body&& body) {
  if (small) {
    Tensor<T> bufs(Shape{thread_slots(), scratch});  // one per slot: see thread_slot()
    parallel_for(0, count, 1, [&](Index lo, Index hi) {
      T* buf = bufs.data() + thread_slot() * scratch;
      for (Index n = lo; n < hi; ++n) body(n, buf, false);
    });
  } else {
    Tensor<T> buf(Shape{scratch});
    for (Index n = 0; n < count; ++n) body(n, buf.data(), true);
  }
}

// conv2d_backward_weight for small per-image products (32x1x28x28 by 32 3x3 filters
// runs 4x faster this way than as one tall GEMM, which BLAS handles poorly when the
// output is this small): a fixed number of image chunks accumulate their own partial
// sums in parallel, and the partials are added in chunk order.
template <class T>
void weight_grad_chunked(const T* gy, const T* x, T* gw, const ConvShape& c) {
  const Geometry& g = c.g;
  const Index k = g.rows(), np = g.cols(), size = c.o * k;
  constexpr Index kChunks = 16;
  const Index per = (c.n + kChunks - 1) / kChunks, chunks = (c.n + per - 1) / per;
  Tensor<T> partial(Shape{chunks, size});
  Tensor<T> slot_cols(Shape{thread_slots(), k * np});  // one per slot: see thread_slot()
  parallel_for(0, chunks, 1, [&](Index lo, Index hi) {
    T* cols = slot_cols.data() + thread_slot() * k * np;
    for (Index ch = lo; ch < hi; ++ch)
      for (Index n = ch * per; n < std::min(c.n, (ch + 1) * per); ++n) {
        im2col(x + n * g.c * g.plane(), cols, np, g, 0, g.c);
        gemm(false, true, c.o, k, np, T(1), gy + n * c.o * np, np, cols, np, n == ch * per ? T(0) : T(1),
                     partial.data() + ch * size, k);
      }
  });
  for (Index ch = 0; ch < chunks; ++ch)
    for (Index i = 0; i < size; ++i) gw[i] += partial.data()[ch * size + i];
}

// conv2d_backward_weight for products big enough for threaded BLAS: groups of images
// are laid side by side, gy as (O, G*H'W') and columns as (K, G*H'W'), so that each
// group is one tall GEMM (faster than a GEMM per image here); G depends on the shapes.
template <class T>
void weight_grad_grouped(const T* gy, const T* x, T* gw, const ConvShape& c) {
  const Geometry& g = c.g;
  const Index k = g.rows(), np = g.cols();
  constexpr Index kGroupElements = Index{1} << 22;
  const Index group = std::clamp<Index>(kGroupElements / std::max<Index>(1, k * np), 1, c.n);
  Tensor<T> cols(Shape{k * group * np}), gys(Shape{c.o * group * np});
  for (Index n0 = 0; n0 < c.n; n0 += group) {
    const Index gn = std::min(group, c.n - n0), ld = gn * np;
    parallel_for(0, gn, 1, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) {
        const Index n = n0 + i;
        im2col(x + n * g.c * g.plane(), cols.data() + i * np, ld, g, 0, g.c);
        for (Index o = 0; o < c.o; ++o)
          std::memcpy(gys.data() + o * ld + i * np, gy + (n * c.o + o) * np, static_cast<std::size_t>(np) * sizeof(T));
      }
    });
    gemm(false, true, c.o, k, ld, T(1), gys.data(), ld, cols.data(), ld, T(1), gw, k);
  }
}

}  // namespace

template <class T>
void im2col_conv2d(const T* x, const T* w, const T* bias, T* y, const ConvShape& s) {
  const Geometry& g = s.g;
  const Index k = g.rows(), np = g.cols();
  const bool small = single_threaded_gemm(s.o, np, k);
  for_each_image<T>(s.n, g.identity() ? 0 : k * np, small, [&](Index n, T* cols, bool inner) {
    const T* xn = x + n * g.c * g.plane();
    const T* unfolded = xn;
    if (!g.identity()) {
      if (inner)
        parallel_for(0, g.c, channel_grain(g), [&](Index lo, Index hi) { im2col(xn, cols, np, g, lo, hi); });
      else
        im2col(xn, cols, np, g, 0, g.c);
      unfolded = cols;
    }
    T* yn = y + n * s.o * np;
    // Seeding the output with the bias lets the GEMM add it for free (beta = 1).
    if (bias)
      for (Index o = 0; o < s.o; ++o) std::fill(yn + o * np, yn + (o + 1) * np, bias[o]);
    gemm(false, false, s.o, np, k, T(1), w, k, unfolded, np, bias ? T(1) : T(0), yn, np);
  });
}

// gx[n] += col2im(w^T @ gy[n]) for every image: w (o, g.rows()), gy (count, o, g.cols()),
// gx (count, g.c, g.h, g.w). The gradient of conv2d's input, and conv_transpose2d.
template <class T>
void im2col_conv2d_backward_input(const T* gy, const T* w, T* gx, const ConvShape& s) {
  const Geometry& g = s.g;
  const Index count = s.n, o = s.o;
  const Index k = g.rows(), p = g.cols();
  if (g.identity()) {  // the columns are the image itself; gx holds zeros or a bias
    for_each_image<T>(count, 0, single_threaded_gemm(k, p, o), [&](Index n, T*, bool) {
      gemm(true, false, k, p, o, T(1), w, k, gy + n * o * p, p, T(1), gx + n * g.c * g.plane(), p);
    });
    return;
  }
  for_each_image<T>(count, k * p, single_threaded_gemm(k, p, o), [&](Index n, T* cols, bool inner) {
    gemm(true, false, k, p, o, T(1), w, k, gy + n * o * p, p, T(0), cols, p);
    T* x = gx + n * g.c * g.plane();
    if (inner)
      parallel_for(0, g.c, channel_grain(g), [&](Index lo, Index hi) { col2im(cols, x, g, lo, hi); });
    else
      col2im(cols, x, g, 0, g.c);
  });
}

template <class T>
void im2col_conv2d_backward_weight(const T* gy, const T* x, T* gw, const ConvShape& s) {
  if (s.n == 0) return;
  // gw = sum_n gy_n @ cols_n^T. Both ways below sum images in groups fixed by the
  // shapes alone, and add the groups in order, so results do not depend on threads.
  if (single_threaded_gemm(s.o, s.g.rows(), s.g.cols()))
    weight_grad_chunked(gy, x, gw, s);
  else
    weight_grad_grouped(gy, x, gw, s);
}

#define XGRAD_INSTANTIATE(T)                                                                   \
  template void im2col_conv2d<T>(const T*, const T*, const T*, T*, const ConvShape&);         \
  template void im2col_conv2d_backward_input<T>(const T*, const T*, T*, const ConvShape&);    \
  template void im2col_conv2d_backward_weight<T>(const T*, const T*, T*, const ConvShape&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core::detail
