// Unary element-wise ops and the ops with a scalar operand.
#include <cmath>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/elementwise.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;
using detail::Splat;

template <class T, class F, class... Src>
Tensor<T> unary(const Tensor<T>& x, const char* op, Index grain, const F& f, Src... extra) {
  if (!x.defined()) detail::fail<ValueError>("{}: the input tensor is undefined", op);
  Tensor<T> out(x.shape());
  detail::map_flat(out.data(), out.numel(), grain, f, x.data(), extra...);
  return out;
}

constexpr Index kCheap = detail::kCheapGrain;
constexpr Index kCostly = detail::kCostlyGrain;

}  // namespace

// ---- with a scalar ----------------------------------------------------------------
template <class T>
Tensor<T> add(const Tensor<T>& a, T s) {
  return unary(a, "add", kCheap, [](auto x, auto y) { return x + y; }, Splat<T>{s});
}
template <class T>
Tensor<T> sub(const Tensor<T>& a, T s) {
  return unary(a, "sub", kCheap, [](auto x, auto y) { return x - y; }, Splat<T>{s});
}
template <class T>
Tensor<T> rsub(T s, const Tensor<T>& a) {
  return unary(a, "rsub", kCheap, [](auto x, auto y) { return y - x; }, Splat<T>{s});
}
template <class T>
Tensor<T> mul(const Tensor<T>& a, T s) {
  return unary(a, "mul", kCheap, [](auto x, auto y) { return x * y; }, Splat<T>{s});
}
template <class T>
Tensor<T> div(const Tensor<T>& a, T s) {
  // x / s, not x * (1 / s): the reciprocal would round differently from torch.
  return unary(a, "div", kCheap, [](auto x, auto y) { return x / y; }, Splat<T>{s});
}
template <class T>
Tensor<T> rdiv(T s, const Tensor<T>& a) {
  return unary(a, "rdiv", kCheap, [](auto x, auto y) { return y / x; }, Splat<T>{s});
}

template <class T>
Tensor<T> pow(const Tensor<T>& a, T e) {
  // The common exponents skip exp(e * log x): cheaper and exact where it can be.
  using V = Batch<T>;
  if (e == T(0)) return unary(a, "pow", kCheap, [](V) { return V(1); });
  if (e == T(1)) return unary(a, "pow", kCheap, [](V x) { return x; });
  if (e == T(2)) return unary(a, "pow", kCheap, [](V x) { return x * x; });
  if (e == T(3)) return unary(a, "pow", kCheap, [](V x) { return x * x * x; });
  if (e == T(-1)) return unary(a, "pow", kCheap, [](V x) { return V(1) / x; });
  if (e == T(-2)) return unary(a, "pow", kCheap, [](V x) { return V(1) / (x * x); });
  if (e == T(0.5)) return unary(a, "pow", kCheap, [](V x) { return xsimd::sqrt(x); });
  if (e == T(-0.5)) return unary(a, "pow", kCheap, [](V x) { return V(1) / xsimd::sqrt(x); });
  return unary(a, "pow", kCostly, [](V x, V y) { return detail::pow(x, y); }, Splat<T>{e});
}

// ---- unary --------------------------------------------------------------------------
template <class T>
Tensor<T> neg(const Tensor<T>& x) {
  return unary(x, "neg", kCheap, [](auto v) { return -v; });
}
template <class T>
Tensor<T> exp(const Tensor<T>& x) {
  return unary(x, "exp", kCostly, [](auto v) { return xsimd::exp(v); });
}
template <class T>
Tensor<T> log(const Tensor<T>& x) {
  return unary(x, "log", kCostly, [](auto v) { return xsimd::log(v); });
}
template <class T>
Tensor<T> log1p(const Tensor<T>& x) {
  return unary(x, "log1p", kCostly, [](auto v) { return xsimd::log1p(v); });
}
template <class T>
Tensor<T> expm1(const Tensor<T>& x) {
  return unary(x, "expm1", kCostly, [](auto v) { return xsimd::expm1(v); });
}
template <class T>
Tensor<T> sqrt(const Tensor<T>& x) {
  return unary(x, "sqrt", kCheap, [](auto v) { return xsimd::sqrt(v); });
}
template <class T>
Tensor<T> rsqrt(const Tensor<T>& x) {
  // 1 / sqrt, not xsimd::rsqrt: that is the ~14-bit hardware estimate.
  return unary(x, "rsqrt", kCheap, [](auto v) { return decltype(v)(1) / xsimd::sqrt(v); });
}
template <class T>
Tensor<T> abs(const Tensor<T>& x) {
  return unary(x, "abs", kCheap, [](auto v) { return xsimd::abs(v); });
}
template <class T>
Tensor<T> sign(const Tensor<T>& x) {
  // (0 < x) - (x < 0): 0 for 0 and NaN, like torch.sign.
  return unary(x, "sign", kCheap, [](auto v) {
    using V = decltype(v);
    return xsimd::select(v > V(0), V(1), V(0)) - xsimd::select(v < V(0), V(1), V(0));
  });
}
template <class T>
Tensor<T> square(const Tensor<T>& x) {
  return unary(x, "square", kCheap, [](auto v) { return v * v; });
}
template <class T>
Tensor<T> clamp(const Tensor<T>& x, T lo, T hi) {
  const Batch<T> vlo(lo), vhi(hi);
  // min(max(x, lo), hi) as torch.clamp (hi wins when lo > hi). Comparisons with
  // NaN are false, so NaN passes through.
  return unary(x, "clamp", kCheap, [vlo, vhi](auto v) {
    const auto t = xsimd::select(v < vlo, vlo, v);
    return xsimd::select(t > vhi, vhi, t);
  });
}
template <class T>
Tensor<T> tanh(const Tensor<T>& x) {
  return unary(x, "tanh", kCostly, [](auto v) { return xsimd::tanh(v); });
}
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
  return unary(x, "sigmoid", kCostly, [](auto v) { return detail::sigmoid(v); });
}
template <class T>
Tensor<T> relu(const Tensor<T>& x) {
  return unary(x, "relu", kCheap, [](auto v) {
    using V = decltype(v);
    return xsimd::select(v < V(0), V(0), v);  // NaN stays NaN
  });
}
template <class T>
Tensor<T> leaky_relu(const Tensor<T>& x, T slope) {
  const Batch<T> k(slope);
  return unary(x, "leaky_relu", kCheap, [k](auto v) { return xsimd::select(v > decltype(v)(0), v, k * v); });
}
template <class T>
Tensor<T> elu(const Tensor<T>& x, T alpha) {
  const Batch<T> k(alpha);
  return unary(x, "elu", kCostly,
               [k](auto v) { return xsimd::select(v > decltype(v)(0), v, k * xsimd::expm1(v)); });
}
template <class T>
Tensor<T> softplus(const Tensor<T>& x) {
  return unary(x, "softplus", kCostly, [](auto v) {
    using V = decltype(v);
    return xsimd::max(v, V(0)) + xsimd::log1p(xsimd::exp(-xsimd::abs(v)));
  });
}

template <class T>
Tensor<T> gelu(const Tensor<T>& x) {
  return unary(x, "gelu", kCostly, [](auto v) { return detail::gelu_value<T>(v); });
}

#define XGRAD_ELEMENTWISE_UNARY(T)                           \
  template Tensor<T> add(const Tensor<T>&, T);               \
  template Tensor<T> sub(const Tensor<T>&, T);               \
  template Tensor<T> rsub(T, const Tensor<T>&);              \
  template Tensor<T> mul(const Tensor<T>&, T);               \
  template Tensor<T> div(const Tensor<T>&, T);               \
  template Tensor<T> rdiv(T, const Tensor<T>&);              \
  template Tensor<T> pow(const Tensor<T>&, T);               \
  template Tensor<T> neg(const Tensor<T>&);                  \
  template Tensor<T> exp(const Tensor<T>&);                  \
  template Tensor<T> log(const Tensor<T>&);                  \
  template Tensor<T> log1p(const Tensor<T>&);                \
  template Tensor<T> expm1(const Tensor<T>&);                \
  template Tensor<T> sqrt(const Tensor<T>&);                 \
  template Tensor<T> rsqrt(const Tensor<T>&);                \
  template Tensor<T> abs(const Tensor<T>&);                  \
  template Tensor<T> sign(const Tensor<T>&);                 \
  template Tensor<T> square(const Tensor<T>&);               \
  template Tensor<T> clamp(const Tensor<T>&, T, T);          \
  template Tensor<T> tanh(const Tensor<T>&);                 \
  template Tensor<T> sigmoid(const Tensor<T>&);              \
  template Tensor<T> relu(const Tensor<T>&);                 \
  template Tensor<T> leaky_relu(const Tensor<T>&, T);        \
  template Tensor<T> elu(const Tensor<T>&, T);               \
  template Tensor<T> gelu(const Tensor<T>&);                 \
  template Tensor<T> softplus(const Tensor<T>&);
XGRAD_ELEMENTWISE_UNARY(float)
XGRAD_ELEMENTWISE_UNARY(double)
#undef XGRAD_ELEMENTWISE_UNARY

}  // namespace xgrad::core
