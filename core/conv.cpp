#include "xgrad/core/conv.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

// One image's unfolding: channels c of an (h, w) plane, a (kh, kw) kernel and an
// (oh, ow) grid of kernel positions. Column matrix: (c*kh*kw, oh*ow), row = (c, i, j).
struct Geometry {
  Index c = 0, h = 0, w = 0, kh = 0, kw = 0, oh = 0, ow = 0;
  Index sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  Index rows() const { return c * kh * kw; }
  Index cols() const { return oh * ow; }
  Index plane() const { return h * w; }
  // A 1x1 kernel with unit stride and no padding unfolds an image into itself (unless
  // conv_transpose2d's output padding makes the plane larger than the grid).
  bool identity() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && oh == h && ow == w; }
};

Geometry geometry(Index c, Index h, Index w, Index kh, Index kw, Index oh, Index ow, const Conv2dParams& p) {
  return {c, h, w, kh, kw, oh, ow, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]};
}

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

// The shapes of one convolution: batch, output channels, unfolding, output shape.
struct Conv {
  Index n = 0, o = 0;
  Geometry g;
  Shape out;
};

void check_params(const char* op, Index kh, Index kw, const Conv2dParams& p) {
  if (p.stride[0] < 1 || p.stride[1] < 1 || p.dilation[0] < 1 || p.dilation[1] < 1 || p.padding[0] < 0 ||
      p.padding[1] < 0 || kh < 1 || kw < 1)
    detail::fail<ValueError>(
        "{}: stride ({}, {}), dilation ({}, {}) and kernel ({}, {}) must be positive and padding ({}, {}) not negative",
        op, p.stride[0], p.stride[1], p.dilation[0], p.dilation[1], kh, kw, p.padding[0], p.padding[1]);
}

std::array<Index, 2> output_size(const char* op, Index h, Index w, Index kh, Index kw, const Conv2dParams& p) {
  check_params(op, kh, kw, p);
  const Index eh = p.dilation[0] * (kh - 1) + 1, ew = p.dilation[1] * (kw - 1) + 1;
  const Index hp = h + 2 * p.padding[0], wp = w + 2 * p.padding[1];
  if (eh > hp || ew > wp)
    detail::fail("{}: kernel ({}, {}) with dilation ({}, {}) spans ({}, {}), larger than the padded input ({}, {})", op,
                 kh, kw, p.dilation[0], p.dilation[1], eh, ew, hp, wp);
  return {(hp - eh) / p.stride[0] + 1, (wp - ew) / p.stride[1] + 1};
}

Conv plan(const char* op, const Shape& x, const Shape& w, const Conv2dParams& p) {
  if (x.rank() != 4 || w.rank() != 4)
    detail::fail("{}: expects input (N, C, H, W) and weight (O, C, kh, kw), got shapes {} and {}", op, x, w);
  if (x[1] != w[1]) detail::fail("{}: input {} has {} channels but weight {} expects {}", op, x, x[1], w, w[1]);
  const auto [oh, ow] = output_size(op, x[2], x[3], w[2], w[3], p);
  return {x[0], w[0], geometry(x[1], x[2], x[3], w[2], w[3], oh, ow, p), Shape{x[0], w[0], oh, ow}};
}

template <class T>
void check_bias(const char* op, const Tensor<T>& bias, const Shape& w, Index channels) {
  if (bias.defined() && bias.shape() != Shape{channels})
    detail::fail("{}: bias {} does not match weight {} ({} output channels)", op, bias.shape(), w, channels);
}

// gx[n] += col2im(w^T @ gy[n]) for every image: w (o, g.rows()), gy (count, o, g.cols()),
// gx (count, g.c, g.h, g.w). The gradient of conv2d's input, and conv_transpose2d.
template <class T>
void unfold_adjoint(const T* w, const T* gy, T* gx, Index count, Index o, const Geometry& g) {
  const Index k = g.rows(), p = g.cols();
  if (g.identity()) {  // the columns are the image itself; gx holds zeros or a bias
    for_each_image<T>(count, 0, detail::single_threaded_gemm(k, p, o), [&](Index n, T*, bool) {
      detail::gemm(true, false, k, p, o, T(1), w, k, gy + n * o * p, p, T(1), gx + n * g.c * g.plane(), p);
    });
    return;
  }
  for_each_image<T>(count, k * p, detail::single_threaded_gemm(k, p, o), [&](Index n, T* cols, bool inner) {
    detail::gemm(true, false, k, p, o, T(1), w, k, gy + n * o * p, p, T(0), cols, p);
    T* x = gx + n * g.c * g.plane();
    if (inner)
      parallel_for(0, g.c, channel_grain(g), [&](Index lo, Index hi) { col2im(cols, x, g, lo, hi); });
    else
      col2im(cols, x, g, 0, g.c);
  });
}

// conv2d_backward_weight for small per-image products (32x1x28x28 by 32 3x3 filters
// runs 4x faster this way than as one tall GEMM, which BLAS handles poorly when the
// output is this small): a fixed number of image chunks accumulate their own partial
// sums in parallel, and the partials are added in chunk order.
template <class T>
void weight_grad_chunked(const T* gy, const T* x, T* gw, const Conv& c) {
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
        detail::gemm(false, true, c.o, k, np, T(1), gy + n * c.o * np, np, cols, np, n == ch * per ? T(0) : T(1),
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
void weight_grad_grouped(const T* gy, const T* x, T* gw, const Conv& c) {
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
    detail::gemm(false, true, c.o, k, ld, T(1), gys.data(), ld, cols.data(), ld, T(1), gw, k);
  }
}

}  // namespace

std::array<Index, 2> conv2d_output_size(Index h, Index w, Index kh, Index kw, const Conv2dParams& p) {
  return output_size("conv2d", h, w, kh, kw, p);
}

template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias, const Conv2dParams& p) {
  const Conv c = plan("conv2d", x.shape(), w.shape(), p);
  check_bias("conv2d", bias, w.shape(), c.o);
  const Geometry& g = c.g;
  const Index k = g.rows(), np = g.cols();
  Tensor<T> y(c.out);
  const bool small = detail::single_threaded_gemm(c.o, np, k);
  for_each_image<T>(c.n, g.identity() ? 0 : k * np, small, [&](Index n, T* cols, bool inner) {
    const T* xn = x.data() + n * g.c * g.plane();
    const T* unfolded = xn;
    if (!g.identity()) {
      if (inner)
        parallel_for(0, g.c, channel_grain(g), [&](Index lo, Index hi) { im2col(xn, cols, np, g, lo, hi); });
      else
        im2col(xn, cols, np, g, 0, g.c);
      unfolded = cols;
    }
    T* yn = y.data() + n * c.o * np;
    // Seeding the output with the bias lets the GEMM add it for free (beta = 1).
    if (bias.defined())
      for (Index o = 0; o < c.o; ++o) std::fill(yn + o * np, yn + (o + 1) * np, bias.data()[o]);
    detail::gemm(false, false, c.o, np, k, T(1), w.data(), k, unfolded, np, bias.defined() ? T(1) : T(0), yn, np);
  });
  return y;
}

template <class T>
Tensor<T> conv2d_backward_input(const Tensor<T>& gy, const Tensor<T>& w, const Shape& x_shape, const Conv2dParams& p) {
  const Conv c = plan("conv2d_backward_input", x_shape, w.shape(), p);
  if (gy.shape() != c.out)
    detail::fail("conv2d_backward_input: gy {} does not match the output {} of input {} and weight {}", gy.shape(),
                 c.out, x_shape, w.shape());
  auto gx = Tensor<T>::zeros(x_shape);
  unfold_adjoint(w.data(), gy.data(), gx.data(), c.n, c.o, c.g);
  return gx;
}

template <class T>
Tensor<T> conv2d_backward_weight(const Tensor<T>& gy, const Tensor<T>& x, const Shape& w_shape, const Conv2dParams& p) {
  const Conv c = plan("conv2d_backward_weight", x.shape(), w_shape, p);
  if (gy.shape() != c.out)
    detail::fail("conv2d_backward_weight: gy {} does not match the output {} of input {} and weight {}", gy.shape(),
                 c.out, x.shape(), w_shape);
  auto gw = Tensor<T>::zeros(w_shape);
  if (c.n == 0) return gw;
  // gw = sum_n gy_n @ cols_n^T. Both ways below sum images in groups fixed by the
  // shapes alone, and add the groups in order, so results do not depend on threads.
  if (detail::single_threaded_gemm(c.o, c.g.rows(), c.g.cols()))
    weight_grad_chunked(gy.data(), x.data(), gw.data(), c);
  else
    weight_grad_grouped(gy.data(), x.data(), gw.data(), c);
  return gw;
}

template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias, const Conv2dParams& p,
                           std::array<Index, 2> output_padding) {
  const char* op = "conv_transpose2d";
  const Shape &xs = x.shape(), &ws = w.shape();
  if (xs.rank() != 4 || ws.rank() != 4)
    detail::fail("{}: expects input (N, Cin, H, W) and weight (Cin, Cout, kh, kw), got shapes {} and {}", op, xs, ws);
  if (xs[1] != ws[0]) detail::fail("{}: input {} has {} channels but weight {} expects {}", op, xs, xs[1], ws, ws[0]);
  check_params(op, ws[2], ws[3], p);
  for (int d = 0; d < 2; ++d)
    if (output_padding[d] < 0 || (output_padding[d] >= p.stride[d] && output_padding[d] >= p.dilation[d]))
      detail::fail<ValueError>(
          "{}: output_padding ({}, {}) must not be negative and be smaller than stride ({}, {}) or dilation ({}, {})",
          op, output_padding[0], output_padding[1], p.stride[0], p.stride[1], p.dilation[0], p.dilation[1]);
  const Index cout = ws[1];
  check_bias(op, bias, ws, cout);
  std::array<Index, 2> size{};
  for (int d = 0; d < 2; ++d)
    size[d] =
        (xs[2 + d] - 1) * p.stride[d] - 2 * p.padding[d] + p.dilation[d] * (ws[2 + d] - 1) + output_padding[d] + 1;
  if (size[0] < 1 || size[1] < 1)
    detail::fail("{}: input {} and weight {} with padding ({}, {}) give an empty output ({}, {})", op, xs, ws,
                 p.padding[0], p.padding[1], size[0], size[1]);
  // The adjoint of conv2d from (N, Cout, Hout, Wout) to x's shape, with the weight read
  // as conv2d's (O = Cin, C = Cout, kh, kw); x's plane is the grid of kernel positions.
  const Geometry g = geometry(cout, size[0], size[1], ws[2], ws[3], xs[2], xs[3], p);
  Tensor<T> y(Shape{xs[0], cout, size[0], size[1]});
  if (bias.defined()) {  // col2im accumulates, so the bias can go in first
    for (Index n = 0; n < xs[0]; ++n)
      for (Index co = 0; co < cout; ++co) {
        T* plane = y.data() + (n * cout + co) * g.plane();
        std::fill(plane, plane + g.plane(), bias.data()[co]);
      }
  } else {
    y.fill_(T(0));
  }
  unfold_adjoint(w.data(), x.data(), y.data(), xs[0], xs[1], g);
  return y;
}

#define XGRAD_INSTANTIATE(T)                                                                                           \
  template Tensor<T> conv2d<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Conv2dParams&);             \
  template Tensor<T> conv2d_backward_input<T>(const Tensor<T>&, const Tensor<T>&, const Shape&, const Conv2dParams&);  \
  template Tensor<T> conv2d_backward_weight<T>(const Tensor<T>&, const Tensor<T>&, const Shape&, const Conv2dParams&); \
  template Tensor<T> conv_transpose2d<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Conv2dParams&,    \
                                         std::array<Index, 2>);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
