// Fused backward kernels of the activations: one pass over the saved tensor(s)
// and the upstream gradient, no temporaries.
#include <algorithm>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;

/// out = f(first, rest...) over tensors that must all have first's shape.
template <class T, class F, class... Rest>
Tensor<T> fused(const char* op, Index grain, const F& f, const Tensor<T>& first, const Rest&... rest) {
  for (const Tensor<T>* t : {&first, &rest...})
    if (!t->defined()) detail::fail<ValueError>("{}: an input tensor is undefined", op);
  for (const Tensor<T>* t : {&rest...})
    if (t->shape() != first.shape()) detail::fail("{}: shapes {} and {} differ", op, first.shape(), t->shape());
  Tensor<T> out(first.shape());
  detail::map_flat(out.data(), out.numel(), grain, f, first.data(), rest.data()...);
  return out;
}

constexpr Index kCheap = detail::kCheapGrain;

}  // namespace

template <class T>
Tensor<T> sigmoid_backward(const Tensor<T>& y, const Tensor<T>& gy) {
  return fused("sigmoid_backward", kCheap, [](auto s, auto g) { return g * s * (decltype(s)(1) - s); }, y, gy);
}

template <class T>
Tensor<T> tanh_backward(const Tensor<T>& y, const Tensor<T>& gy) {
  return fused("tanh_backward", kCheap, [](auto t, auto g) { return g * (decltype(t)(1) - t * t); }, y, gy);
}

template <class T>
Tensor<T> relu_backward(const Tensor<T>& y, const Tensor<T>& gy) {
  return fused("relu_backward", kCheap,
               [](auto r, auto g) { return xsimd::select(r > decltype(r)(0), g, decltype(r)(0)); }, y, gy);
}

template <class T>
void relu_(Tensor<T>& x) {
  if (!x.defined()) detail::fail<ValueError>("relu_: the tensor is undefined");
  detail::map_flat(x.data(), x.numel(), kCheap, [](auto v) {
    using V = decltype(v);
    return xsimd::select(v < V(0), V(0), v);  // NaN stays NaN, as relu
  }, static_cast<const T*>(x.data()));
}

template <class T>
void relu_backward_(Tensor<T>& gy, const Tensor<T>& y) {
  if (!gy.defined() || gy.shape() != y.shape()) detail::fail("relu_backward_: shapes {} and {} differ", gy.shape(), y.shape());
  detail::map_flat(gy.data(), gy.numel(), kCheap,
                   [](auto r, auto g) { return xsimd::select(r > decltype(r)(0), g, decltype(r)(0)); }, y.data(),
                   static_cast<const T*>(gy.data()));
}

template <class T>
Tensor<T> leaky_relu_backward(const Tensor<T>& x, const Tensor<T>& gy, T slope) {
  const Batch<T> k(slope);
  return fused("leaky_relu_backward", kCheap,
               [k](auto v, auto g) { return xsimd::select(v > decltype(v)(0), g, g * k); }, x, gy);
}

template <class T>
Tensor<T> elu_backward(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& gy, T alpha) {
  const Batch<T> k(alpha);
  return fused("elu_backward", kCheap,
               [k](auto v, auto e, auto g) { return xsimd::select(v > decltype(v)(0), g, g * (e + k)); }, x, y, gy);
}

template <class T>
Tensor<T> gelu_backward(const Tensor<T>& x, const Tensor<T>& gy) {
  // The pdf reuses the exp the erf computes (one exp per element instead of two).
  return fused("gelu_backward", detail::kCostlyGrain, [](auto v, auto g) { return g * detail::gelu_and_slope(v).slope; },
               x, gy);
}

template <class T>
Tensor<T> gelu_and_slope_(Tensor<T>& x) {
  if (!x.defined()) detail::fail<ValueError>("gelu_and_slope_: the tensor is undefined");
  Tensor<T> slope(x.shape());
  T* xp = x.data();
  T* sp = slope.data();
  detail::parallel_for_each_batch<T>(x.numel(), detail::kCostlyGrain, [&](const auto& at) {
    const detail::GeluSlope<T> r = detail::gelu_and_slope(at.load(static_cast<const T*>(xp)));
    at.store(xp, r.value);
    at.store(sp, r.slope);
  });
  return slope;
}

template <class T>
Tensor<T> bias_gelu_and_slope_(Tensor<T>& x, const Tensor<T>& bias) {
  if (!x.defined() || !bias.defined()) detail::fail<ValueError>("bias_gelu_and_slope_: a tensor is undefined");
  const Index n = bias.numel();
  if (bias.dim() != 1 || x.dim() < 1 || x.size(-1) != n)
    detail::fail("bias_gelu_and_slope_: bias {} does not fit the rows of {}", bias.shape(), x.shape());
  Tensor<T> slope(x.shape());
  const T* b = bias.data();
  // Whole rows per task, so the bias lines up with every batch of a row.
  parallel_for(0, x.numel() / std::max<Index>(n, 1), rows_per_task(detail::kCostlyGrain, n),
               [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      T* xp = x.data() + r * n;
      T* sp = slope.data() + r * n;
      detail::for_each_batch<T>(0, n, [&](const auto& at) {
        const detail::GeluSlope<T> g = detail::gelu_and_slope(at.load(static_cast<const T*>(xp)) + at.load(b));
        at.store(xp, g.value);
        at.store(sp, g.slope);
      });
    }
  });
  return slope;
}

template <class T>
Tensor<T> softplus_backward(const Tensor<T>& x, const Tensor<T>& gy) {
  return fused("softplus_backward", detail::kCostlyGrain, [](auto v, auto g) { return g * detail::sigmoid(v); }, x,
               gy);
}

template <class T>
Tensor<T> clamp_backward(const Tensor<T>& x, const Tensor<T>& gy, T lo, T hi) {
  const Batch<T> vlo(lo), vhi(hi);
  return fused("clamp_backward", kCheap,
               [vlo, vhi](auto v, auto g) { return xsimd::select((v >= vlo) & (v <= vhi), g, decltype(v)(0)); }, x,
               gy);
}

#define XGRAD_ELEMENTWISE_BACKWARD(T)                                                              \
  template Tensor<T> sigmoid_backward(const Tensor<T>&, const Tensor<T>&);                         \
  template Tensor<T> tanh_backward(const Tensor<T>&, const Tensor<T>&);                            \
  template Tensor<T> relu_backward(const Tensor<T>&, const Tensor<T>&);                            \
  template void relu_(Tensor<T>&);                                                                  \
  template void relu_backward_(Tensor<T>&, const Tensor<T>&);                                       \
  template Tensor<T> leaky_relu_backward(const Tensor<T>&, const Tensor<T>&, T);                   \
  template Tensor<T> elu_backward(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T);        \
  template Tensor<T> softplus_backward(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> gelu_backward(const Tensor<T>&, const Tensor<T>&);                            \
  template Tensor<T> gelu_and_slope_(Tensor<T>&);                                                  \
  template Tensor<T> bias_gelu_and_slope_(Tensor<T>&, const Tensor<T>&);                         \
  template Tensor<T> clamp_backward(const Tensor<T>&, const Tensor<T>&, T, T);
XGRAD_ELEMENTWISE_BACKWARD(float)
XGRAD_ELEMENTWISE_BACKWARD(double)
#undef XGRAD_ELEMENTWISE_BACKWARD

}  // namespace xgrad::core
