#include "xgrad/core/conv.hpp"

#include <algorithm>
#include <atomic>
#include <type_traits>

#include "xgrad/core/detail/conv_path.hpp"
#include "xgrad/core/detail/conv_im2col.hpp"
#include "xgrad/core/detail/format.hpp"

namespace xgrad::core {
namespace {

using detail::ConvGeometry;
using detail::ConvShape;

ConvGeometry geometry(Index c, Index h, Index w, Index kh, Index kw, Index oh, Index ow, const Conv2dParams& p) {
  return {c, h, w, kh, kw, oh, ow, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]};
}

// The shapes of one convolution, and its output shape.
struct Conv : ConvShape {
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
  return {{x[0], w[0], geometry(x[1], x[2], x[3], w[2], w[3], oh, ow, p)}, Shape{x[0], w[0], oh, ow}};
}

template <class T>
void check_bias(const char* op, const Tensor<T>& bias, const Shape& w, Index channels) {
  if (bias.defined() && bias.shape() != Shape{channels})
    detail::fail("{}: bias {} does not match weight {} ({} output channels)", op, bias.shape(), w, channels);
}

// Float convolutions go to oneDNN's direct kernels where that pays (the dnnl_conv_*_pays
// predicates, core/detail/conv_dnnl.hpp, with their measurements). Double convolutions,
// the gradient checks' reference, and any shape oneDNN has no kernel for take im2col + GEMM.

std::array<std::atomic<std::uint64_t>, 3> dnnl_passes, im2col_passes;

// Counts a float pass on its path (conv_path_counts); the path taken is returned.
template <class T>
bool count(detail::ConvPass pass, bool dnnl) {
  if constexpr (std::is_same_v<T, float>)
    (dnnl ? dnnl_passes : im2col_passes)[static_cast<int>(pass)].fetch_add(1, std::memory_order_relaxed);
  return dnnl;
}

template <class T>
void forward(const T* x, const T* w, const T* bias, T* y, const ConvShape& s) {
  bool done = false;
  if constexpr (std::is_same_v<T, float>)
    done = detail::dnnl_conv_forward_pays(s) && detail::dnnl_conv2d(x, w, bias, y, s);
  if (!count<T>(detail::ConvPass::forward, done)) detail::im2col_conv2d(x, w, bias, y, s);
}

// gx = the adjoint in x applied to gy, plus the bias (per channel) when there is one.
template <class T>
void adjoint(const T* gy, const T* w, const T* bias, T* gx, const ConvShape& s) {
  const ConvGeometry& g = s.g;
  bool done = false;
  if constexpr (std::is_same_v<T, float>)
    done = detail::dnnl_conv_input_grad_pays(s) && detail::dnnl_conv2d_backward_input(gy, w, gx, s);
  count<T>(detail::ConvPass::input_grad, done);
  if (done && !bias) return;
  for (Index n = 0; n < s.n; ++n)
    for (Index c = 0; c < g.c; ++c) {
      T* plane = gx + (n * g.c + c) * g.plane();
      const T b = bias ? bias[c] : T(0);
      if (done)  // oneDNN wrote the adjoint
        for (Index i = 0; i < g.plane(); ++i) plane[i] += b;
      else  // im2col's adjoint accumulates, so the bias can go in first
        std::fill(plane, plane + g.plane(), b);
    }
  if (!done) detail::im2col_conv2d_backward_input(gy, w, gx, s);
}

}  // namespace

std::array<Index, 2> conv2d_output_size(Index h, Index w, Index kh, Index kw, const Conv2dParams& p) {
  return output_size("conv2d", h, w, kh, kw, p);
}

template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias, const Conv2dParams& p) {
  const Conv c = plan("conv2d", x.shape(), w.shape(), p);
  check_bias("conv2d", bias, w.shape(), c.o);
  Tensor<T> y(c.out);
  forward(x.data(), w.data(), bias.defined() ? bias.data() : nullptr, y.data(), c);
  return y;
}

template <class T>
Tensor<T> conv2d_backward_input(const Tensor<T>& gy, const Tensor<T>& w, const Shape& x_shape, const Conv2dParams& p) {
  const Conv c = plan("conv2d_backward_input", x_shape, w.shape(), p);
  if (gy.shape() != c.out)
    detail::fail("conv2d_backward_input: gy {} does not match the output {} of input {} and weight {}", gy.shape(),
                 c.out, x_shape, w.shape());
  Tensor<T> gx(x_shape);
  adjoint(gy.data(), w.data(), static_cast<const T*>(nullptr), gx.data(), c);
  return gx;
}

template <class T>
Tensor<T> conv2d_backward_weight(const Tensor<T>& gy, const Tensor<T>& x, const Shape& w_shape, const Conv2dParams& p) {
  const Conv c = plan("conv2d_backward_weight", x.shape(), w_shape, p);
  if (gy.shape() != c.out)
    detail::fail("conv2d_backward_weight: gy {} does not match the output {} of input {} and weight {}", gy.shape(),
                 c.out, x.shape(), w_shape);
  Tensor<T> gw(w_shape);
  bool done = false;
  if constexpr (std::is_same_v<T, float>)
    done = detail::dnnl_conv_weight_grad_pays(c) &&
           detail::dnnl_conv2d_backward_weight(gy.data(), x.data(), gw.data(), c);
  if (count<T>(detail::ConvPass::weight_grad, done)) return gw;
  gw.fill_(T(0));  // im2col's sum accumulates
  detail::im2col_conv2d_backward_weight(gy.data(), x.data(), gw.data(), c);
  return gw;
}

template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias, const Conv2dParams& p,
                           std::array<Index, 2> output_padding) {
  const ConvShape s = detail::conv_transpose2d_shape(x.shape(), w.shape(), p, output_padding);
  check_bias("conv_transpose2d", bias, w.shape(), s.g.c);
  Tensor<T> y(Shape{s.n, s.g.c, s.g.h, s.g.w});
  adjoint(x.data(), w.data(), bias.defined() ? bias.data() : nullptr, y.data(), s);
  return y;
}

template <class T>
ConvGrads<T> conv2d_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w, const Conv2dParams& p,
                             bool want_x, bool want_w) {
  if constexpr (std::is_same_v<T, float>) {
    const Conv c = plan("conv2d_backward", x.shape(), w.shape(), p);
    if (want_x && want_w && gy.shape() == c.out && detail::dnnl_conv_input_grad_pays(c) &&
        detail::dnnl_conv_weight_grad_pays(c)) {
      ConvGrads<T> g{Tensor<T>(x.shape()), Tensor<T>(w.shape())};
      if (detail::dnnl_conv2d_backward(gy.data(), x.data(), w.data(), g.x.data(), g.w.data(), c)) {
        count<T>(detail::ConvPass::input_grad, true), count<T>(detail::ConvPass::weight_grad, true);
        return g;
      }
    }
  }
  ConvGrads<T> g;
  if (want_x) g.x = conv2d_backward_input(gy, w, x.shape(), p);
  if (want_w) g.w = conv2d_backward_weight(gy, x, w.shape(), p);
  return g;
}

template <class T>
ConvGrads<T> conv_transpose2d_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w,
                                       const Conv2dParams& p, bool want_x, bool want_w) {
  // In conv2d's terms gy is the input and x the output gradient.
  if constexpr (std::is_same_v<T, float>) {
    const Conv c = plan("conv_transpose2d_backward", gy.shape(), w.shape(), p);
    if (want_x && want_w && x.shape() == c.out && detail::dnnl_conv_forward_pays(c) &&
        detail::dnnl_conv_weight_grad_pays(c)) {
      ConvGrads<T> g{Tensor<T>(x.shape()), Tensor<T>(w.shape())};
      if (detail::dnnl_conv2d_and_weight_grad(gy.data(), w.data(), g.x.data(), x.data(), g.w.data(), c))
{
        count<T>(detail::ConvPass::forward, true), count<T>(detail::ConvPass::weight_grad, true);
        return g;
      }
    }
  }
  ConvGrads<T> g;
  if (want_x) g.x = conv2d(gy, w, Tensor<T>(), p);
  if (want_w) g.w = conv2d_backward_weight(x, gy, w.shape(), p);
  return g;
}

namespace detail {

ConvShape conv2d_shape(const Shape& x, const Shape& w, const Conv2dParams& p) { return plan("conv2d", x, w, p); }

ConvShape conv_transpose2d_shape(const Shape& xs, const Shape& ws, const Conv2dParams& p,
                                 std::array<Index, 2> output_padding) {
  const char* op = "conv_transpose2d";
  if (xs.rank() != 4 || ws.rank() != 4)
    detail::fail("{}: expects input (N, Cin, H, W) and weight (Cin, Cout, kh, kw), got shapes {} and {}", op, xs, ws);
  if (xs[1] != ws[0]) detail::fail("{}: input {} has {} channels but weight {} expects {}", op, xs, xs[1], ws, ws[0]);
  check_params(op, ws[2], ws[3], p);
  for (int d = 0; d < 2; ++d)
    if (output_padding[d] < 0 || (output_padding[d] >= p.stride[d] && output_padding[d] >= p.dilation[d]))
      detail::fail<ValueError>(
          "{}: output_padding ({}, {}) must not be negative and be smaller than stride ({}, {}) or dilation ({}, {})",
          op, output_padding[0], output_padding[1], p.stride[0], p.stride[1], p.dilation[0], p.dilation[1]);
  std::array<Index, 2> size{};
  for (int d = 0; d < 2; ++d)
    size[d] =
        (xs[2 + d] - 1) * p.stride[d] - 2 * p.padding[d] + p.dilation[d] * (ws[2 + d] - 1) + output_padding[d] + 1;
  if (size[0] < 1 || size[1] < 1)
    detail::fail("{}: input {} and weight {} with padding ({}, {}) give an empty output ({}, {})", op, xs, ws,
                 p.padding[0], p.padding[1], size[0], size[1]);
  // The adjoint of conv2d from (N, Cout, Hout, Wout) to x's shape, with the weight read
  // as conv2d's (O = Cin, C = Cout, kh, kw); x's plane is the grid of kernel positions.
  return {xs[0], xs[1], geometry(ws[1], size[0], size[1], ws[2], ws[3], xs[2], xs[3], p)};
}

void count_dnnl_passes(ConvPass pass, std::uint64_t n) {
  dnnl_passes[static_cast<int>(pass)].fetch_add(n, std::memory_order_relaxed);
}

ConvPathCounts conv_path_counts() {
  ConvPathCounts c;
  for (int i = 0; i < 3; ++i) c.dnnl[i] = dnnl_passes[i].load(), c.im2col[i] = im2col_passes[i].load();
  return c;
}

}  // namespace detail

#define XGRAD_INSTANTIATE(T)                                                                                           \
  template Tensor<T> conv2d<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Conv2dParams&);             \
  template Tensor<T> conv2d_backward_input<T>(const Tensor<T>&, const Tensor<T>&, const Shape&, const Conv2dParams&);  \
  template Tensor<T> conv2d_backward_weight<T>(const Tensor<T>&, const Tensor<T>&, const Shape&, const Conv2dParams&); \
  template Tensor<T> conv_transpose2d<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Conv2dParams&,    \
                                         std::array<Index, 2>);                                                      \
  template ConvGrads<T> conv2d_backward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Conv2dParams&,  \
                                           bool, bool);                                                                \
  template ConvGrads<T> conv_transpose2d_backward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,             \
                                                     const Conv2dParams&, bool, bool);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
