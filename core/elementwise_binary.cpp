// Broadcasting binary ops, comparisons, where, broadcast_to / sum_to and the
// in-place accumulators.
#include "xgrad/core/detail/broadcast.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::core {
namespace {

using detail::Batch;

template <class T>
void require_defined(const Tensor<T>& t, const char* op) {
  if (!t.defined()) detail::fail<ValueError>("{}: the input tensor is undefined", op);
}

/// True when `from` broadcasts to exactly `to` (NumPy rules, `to` unchanged).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  const int lead = to.rank() - from.rank();
  for (int i = 0; i < from.rank(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

template <class T, class F>
Tensor<T> binary(const Tensor<T>& a, const Tensor<T>& b, const char* op, Index grain, const F& f) {
  require_defined(a, op);
  require_defined(b, op);
  if (a.shape() == b.shape()) {
    Tensor<T> out(a.shape());
    detail::map_flat(out.data(), out.numel(), grain, f, a.data(), b.data());
    return out;
  }
  Tensor<T> out(broadcast_shapes(a.shape(), b.shape(), op));
  const auto plan = detail::plan_broadcast<2>(out.shape(), {&a.shape(), &b.shape()});
  detail::broadcast_map<T, 2>(out.data(), plan, {a.data(), b.data()}, grain, f);
  return out;
}

template <class T, class F>
Tensor<T> with_scalar(const Tensor<T>& a, T s, const char* op, Index grain, const F& f) {
  require_defined(a, op);
  Tensor<T> out(a.shape());
  detail::map_flat(out.data(), out.numel(), grain, f, a.data(), detail::Splat<T>{s});
  return out;
}

/// A 0/1 mask from a batch_bool.
template <class V, class B>
V mask(const B& c) {
  return xsimd::select(c, V(1), V(0));
}

constexpr Index kCheap = detail::kCheapGrain;

}  // namespace

// ---- binary, broadcasting -------------------------------------------------------
template <class T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "add", kCheap, [](auto x, auto y) { return x + y; });
}
template <class T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "sub", kCheap, [](auto x, auto y) { return x - y; });
}
template <class T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "mul", kCheap, [](auto x, auto y) { return x * y; });
}
template <class T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "div", kCheap, [](auto x, auto y) { return x / y; });
}
template <class T>
Tensor<T> pow(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "pow", detail::kCostlyGrain, [](auto x, auto y) { return detail::pow(x, y); });
}
template <class T>
Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "maximum", kCheap, detail::NanMax{});
}
template <class T>
Tensor<T> minimum(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "minimum", kCheap, detail::NanMin{});
}

// ---- comparisons and selection ----------------------------------------------------
template <class T>
Tensor<T> eq(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "eq", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x == y); });
}
template <class T>
Tensor<T> ne(const Tensor<T>& a, const Tensor<T>& b) {
  // !(x == y) rather than x != y: xsimd's != is ordered, false for NaN.
  return binary(a, b, "ne", kCheap, [](auto x, auto y) { return mask<decltype(x)>(!(x == y)); });
}
template <class T>
Tensor<T> lt(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "lt", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x < y); });
}
template <class T>
Tensor<T> le(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "le", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x <= y); });
}
template <class T>
Tensor<T> gt(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "gt", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x > y); });
}
template <class T>
Tensor<T> ge(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(a, b, "ge", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x >= y); });
}
template <class T>
Tensor<T> gt(const Tensor<T>& a, T s) {
  return with_scalar(a, s, "gt", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x > y); });
}
template <class T>
Tensor<T> lt(const Tensor<T>& a, T s) {
  return with_scalar(a, s, "lt", kCheap, [](auto x, auto y) { return mask<decltype(x)>(x < y); });
}

template <class T>
Tensor<T> where(const Tensor<T>& cond, const Tensor<T>& a, const Tensor<T>& b) {
  require_defined(cond, "where");
  require_defined(a, "where");
  require_defined(b, "where");
  // !(c == 0): a NaN condition counts as true, as it does converted to bool.
  auto f = [](auto c, auto x, auto y) { return xsimd::select(!(c == decltype(c)(0)), x, y); };
  if (cond.shape() == a.shape() && a.shape() == b.shape()) {
    Tensor<T> out(a.shape());
    detail::map_flat(out.data(), out.numel(), kCheap, f, cond.data(), a.data(), b.data());
    return out;
  }
  Tensor<T> out(broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where"));
  const auto plan = detail::plan_broadcast<3>(out.shape(), {&cond.shape(), &a.shape(), &b.shape()});
  detail::broadcast_map<T, 3>(out.data(), plan, {cond.data(), a.data(), b.data()}, kCheap, f);
  return out;
}

// ---- broadcasting helpers -----------------------------------------------------------
template <class T>
Tensor<T> broadcast_to(const Tensor<T>& x, const Shape& shape) {
  require_defined(x, "broadcast_to");
  if (!broadcasts_to(x.shape(), shape)) detail::fail("broadcast_to: cannot broadcast {} to {}", x.shape(), shape);
  if (x.shape() == shape) return x;
  Tensor<T> out(shape);
  const auto plan = detail::plan_broadcast<1>(shape, {&x.shape()});
  detail::broadcast_map<T, 1>(out.data(), plan, {x.data()}, kCheap, [](auto v) { return v; });
  return out;
}

template <class T>
Tensor<T> sum_to(const Tensor<T>& x, const Shape& shape) {
  require_defined(x, "sum_to");
  if (!broadcasts_to(shape, x.shape())) detail::fail("sum_to: shape {} does not broadcast to {}", shape, x.shape());
  const int lead = x.dim() - shape.rank();
  Axes axes;
  for (int i = 0; i < x.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) axes.push_back(i);
  if (axes.empty()) return x.reshape(shape);  // only size-1 axes differ
  return sum(x, axes).reshape(shape);
}

// ---- in place ---------------------------------------------------------------------------
template <class T>
void add_(Tensor<T>& a, const Tensor<T>& b) {
  require_defined(a, "add_");
  require_defined(b, "add_");
  auto f = [](auto x, auto y) { return x + y; };
  if (a.shape() == b.shape()) {
    detail::map_flat(a.data(), a.numel(), kCheap, f, static_cast<const T*>(a.data()), b.data());
    return;
  }
  if (!broadcasts_to(b.shape(), a.shape())) detail::fail("add_: cannot broadcast {} into {}", b.shape(), a.shape());
  const auto plan = detail::plan_broadcast<2>(a.shape(), {&a.shape(), &b.shape()});
  detail::broadcast_map<T, 2>(a.data(), plan, {a.data(), b.data()}, kCheap, f);
}

template <class T>
void axpy_(Tensor<T>& a, T alpha, const Tensor<T>& b) {
  require_defined(a, "axpy_");
  require_defined(b, "axpy_");
  if (a.shape() != b.shape()) detail::fail("axpy_: shapes {} and {} differ", a.shape(), b.shape());
  const Batch<T> k(alpha);
  detail::map_flat(a.data(), a.numel(), kCheap, [k](auto x, auto y) { return xsimd::fma(k, y, x); },
                   static_cast<const T*>(a.data()), b.data());
}

template <class T>
void mul_(Tensor<T>& a, T s) {
  require_defined(a, "mul_");
  detail::map_flat(a.data(), a.numel(), kCheap, [](auto x, auto y) { return x * y; }, static_cast<const T*>(a.data()),
                   detail::Splat<T>{s});
}

template <class T>
void mul_(Tensor<T>& a, const Tensor<T>& b) {
  if (!a.defined() || a.shape() != b.shape()) detail::fail("mul_: shapes {} and {} differ", a.shape(), b.shape());
  detail::map_flat(a.data(), a.numel(), kCheap, [](auto x, auto y) { return x * y; }, static_cast<const T*>(a.data()),
                   b.data());
}

template <class T>
void lerp_(Tensor<T>& a, T s, const Tensor<T>& b, T t) {
  require_defined(a, "lerp_");
  require_defined(b, "lerp_");
  if (a.shape() != b.shape()) detail::fail("lerp_: shapes {} and {} differ", a.shape(), b.shape());
  const Batch<T> ks(s), kt(t);
  detail::map_flat(a.data(), a.numel(), kCheap, [ks, kt](auto x, auto y) { return xsimd::fma(x, ks, kt * y); },
                   static_cast<const T*>(a.data()), b.data());
}

#define XGRAD_ELEMENTWISE_BINARY(T)                                                 \
  template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);                       \
  template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);                       \
  template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);                       \
  template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);                       \
  template Tensor<T> pow(const Tensor<T>&, const Tensor<T>&);                       \
  template Tensor<T> maximum(const Tensor<T>&, const Tensor<T>&);                   \
  template Tensor<T> minimum(const Tensor<T>&, const Tensor<T>&);                   \
  template Tensor<T> eq(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> ne(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> lt(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> le(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> gt(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> ge(const Tensor<T>&, const Tensor<T>&);                        \
  template Tensor<T> gt(const Tensor<T>&, T);                                       \
  template Tensor<T> lt(const Tensor<T>&, T);                                       \
  template Tensor<T> where(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);   \
  template Tensor<T> broadcast_to(const Tensor<T>&, const Shape&);                  \
  template Tensor<T> sum_to(const Tensor<T>&, const Shape&);                        \
  template void add_(Tensor<T>&, const Tensor<T>&);                                 \
  template void axpy_(Tensor<T>&, T, const Tensor<T>&);                             \
  template void mul_(Tensor<T>&, T);                                                \
  template void mul_(Tensor<T>&, const Tensor<T>&);                                 \
  template void lerp_(Tensor<T>&, T, const Tensor<T>&, T);
XGRAD_ELEMENTWISE_BINARY(float)
XGRAD_ELEMENTWISE_BINARY(double)
#undef XGRAD_ELEMENTWISE_BINARY

}  // namespace xgrad::core
