#include "xgrad/core/recurrent.hpp"

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;
using detail::kLanes;

void check_shapes(const char* op, const Shape& gi, const Shape& gh, const Shape& h) {
  if (h.rank() != 2 || gi != Shape{h[0], 3 * h[1]} || gh != gi)
    detail::fail("{}: gate products {} and {} must both be (B, 3H) for a state (B, H) = {}", op, gi, gh, h);
}

// Calls f(j, n) over the columns [0, H) in SIMD-wide pieces (n = lanes, or fewer at
// the end: those go through the same batch code padded, so every element is computed
// alike wherever it lies).
template <class T, class F>
void columns(Index hidden, const F& f) {
  for (Index j = 0; j < hidden; j += kLanes<T>) f(j, std::min(kLanes<T>, hidden - j));
}

template <class T>
Batch<T> ld(const T* p, Index j, Index n) {
  return n == kLanes<T> ? detail::load(p, j) : detail::load_partial(p, j, n);
}
template <class T>
void st(T* p, Index j, Index n, const Batch<T>& v) {
  if (n == kLanes<T>)
    v.store_unaligned(p + j);
  else
    detail::store_partial(p + j, v, n);
}
template <class T>
void st(T* p, Index j, Index n, const Batch<T>& v, bool add) {
  st(p, j, n, add ? ld(p, j, n) + v : v);
}

// Rows per task: a GRU row costs about 3H transcendental elements.
Index row_grain(Index hidden) { return rows_per_task(detail::kCostlyGrain, 3 * hidden); }

}  // namespace

template <class T>
Tensor<T> gru_cell_forward(const Tensor<T>& gi, const Tensor<T>& gh, const Tensor<T>& h, Tensor<T>& gates) {
  check_shapes("gru_cell_forward", gi.shape(), gh.shape(), h.shape());
  const Index rows = h.size(0), H = h.size(1);
  Tensor<T> out(h.shape());
  gates = Tensor<T>(gi.shape());
  parallel_for(0, rows, row_grain(H), [&](Index lo, Index hi) {
    for (Index b = lo; b < hi; ++b) {
      const T* xi = gi.data() + b * 3 * H;
      const T* xh = gh.data() + b * 3 * H;
      const T* hp = h.data() + b * H;
      T* g = gates.data() + b * 3 * H;
      T* y = out.data() + b * H;
      columns<T>(H, [&](Index j, Index n) {
        const Batch<T> r = detail::sigmoid(ld(xi, j, n) + ld(xh, j, n));
        const Batch<T> z = detail::sigmoid(ld(xi + H, j, n) + ld(xh + H, j, n));
        const Batch<T> c = xsimd::tanh(ld(xi + 2 * H, j, n) + r * ld(xh + 2 * H, j, n));
        st(g, j, n, r), st(g + H, j, n, z), st(g + 2 * H, j, n, c);
        st(y, j, n, c + z * (ld(hp, j, n) - c));
      });
    }
  });
  return out;
}

template <class T>
void gru_cell_backward(const Tensor<T>& grad, const Tensor<T>& gates, const Tensor<T>& gh, const Tensor<T>& h,
                       Tensor<T>* dgi, bool add_dgi, Tensor<T>* dgh, bool add_dgh, Tensor<T>* dh, bool add_dh) {
  check_shapes("gru_cell_backward", gates.shape(), gh.shape(), h.shape());
  if (grad.shape() != h.shape()) detail::fail("gru_cell_backward: gradient {} for a state {}", grad.shape(), h.shape());
  const Index rows = h.size(0), H = h.size(1);
  const Batch<T> one(1);
  parallel_for(0, rows, row_grain(H), [&](Index lo, Index hi) {
    for (Index b = lo; b < hi; ++b) {
      const T* g = gates.data() + b * 3 * H;
      const T* xh = gh.data() + b * 3 * H;
      const T* hp = h.data() + b * H;
      const T* gy = grad.data() + b * H;
      columns<T>(H, [&](Index j, Index n) {
        const Batch<T> r = ld(g, j, n), z = ld(g + H, j, n), c = ld(g + 2 * H, j, n), d = ld(gy, j, n);
        const Batch<T> dz = d * (ld(hp, j, n) - c) * z * (one - z);
        const Batch<T> dc = d * (one - z) * (one - c * c);
        const Batch<T> dr = dc * ld(xh + 2 * H, j, n) * r * (one - r);
        if (dgi) {
          T* o = dgi->data() + b * 3 * H;
          st(o, j, n, dr, add_dgi), st(o + H, j, n, dz, add_dgi), st(o + 2 * H, j, n, dc, add_dgi);
        }
        if (dgh) {
          T* o = dgh->data() + b * 3 * H;
          st(o, j, n, dr, add_dgh), st(o + H, j, n, dz, add_dgh), st(o + 2 * H, j, n, dc * r, add_dgh);
        }
        if (dh) st(dh->data() + b * H, j, n, d * z, add_dh);
      });
    }
  });
}

#define XGRAD_INSTANTIATE(T)                                                                                    \
  template Tensor<T> gru_cell_forward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, Tensor<T>&);   \
  template void gru_cell_backward<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, \
                                     Tensor<T>*, bool, Tensor<T>*, bool, Tensor<T>*, bool);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
