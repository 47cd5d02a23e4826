// The binary cross-entropy of logits and its derivative in xsimd batches. Through xtensor the
// log1p of this formula ran as scalar libm calls (18 % of the MLP VAE's training
// step at one thread, perf, 2026-12-03); xsimd's log1p and exp keep the whole
// formula in registers. The VQ-VAE's squared distances, a sum and a gradient pass. And
// cross_entropy's gradient, rows of softmax in parallel.
#include "xgrad/core/losses.hpp"

#include <algorithm>
#include <vector>

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"
#include "xgrad/core/parallel.hpp"

namespace xgrad::core {
namespace {

template <class T>
void require_same_shapes(const char* op, const Tensor<T>& a, const Tensor<T>& b) {
  if (!a.defined() || !b.defined()) detail::fail<ValueError>("{}: an input tensor is undefined", op);
  if (a.shape() != b.shape()) detail::fail("{}: shapes {} and {} must be equal", op, a.shape(), b.shape());
}

}  // namespace

template <class T>
BceWithLogits<T> bce_with_logits(const Tensor<T>& z, const Tensor<T>& t) {
  require_same_shapes("bce_with_logits", z, t);
  BceWithLogits<T> out{Tensor<T>(z.shape()), Tensor<T>(z.shape())};
  const T *zp = z.data(), *tp = t.data();
  T *loss = out.loss.data(), *dz = out.dz.data();
  detail::parallel_for_each_batch<T>(z.numel(), detail::kCostlyGrain, [&](const auto& at) {
    using V = detail::Batch<T>;
    const V v = at.load(zp), target = at.load(tp);
    const V e = xsimd::exp(-xsimd::abs(v));  // in (0, 1]: no overflow
    const V r = V(1) / (V(1) + e);
    at.store(loss, xsimd::max(v, V(0)) - v * target + xsimd::log1p(e));
    at.store(dz, xsimd::select(v >= V(0), r, e * r) - target);  // sigmoid(z) - t
  });
  return out;
}

template <class T>
double mean_row_squared_distance(const Tensor<T>& a, const Tensor<T>& b) {
  require_same_shapes("mean_row_squared_distance", a, b);
  if (a.dim() != 2) detail::fail("mean_row_squared_distance: rows {} are not (N, D)", a.shape());
  constexpr Index unit = detail::kParallelUnit;  // parallel_elements cuts only at its multiples
  const Index n = a.numel();
  std::vector<double> blocks(static_cast<std::size_t>((n + unit - 1) / unit));
  const T *ap = a.data(), *bp = b.data();
  detail::parallel_elements(n, detail::kCheapGrain, [&](Index lo, Index hi) {
    for (Index at = lo; at < hi; at += unit) {
      detail::Batch<T> sum(T(0));
      detail::for_each_batch<T>(at, std::min(at + unit, hi), [&](const auto& i) {
        const detail::Batch<T> d = i.load(ap) - i.load(bp);  // padding lanes load 0 - 0
        sum += d * d;
      });
      blocks[static_cast<std::size_t>(at / unit)] = xsimd::hadd(sum);
    }
  });
  double total = 0;
  for (double s : blocks) total += s;
  return a.size(0) > 0 ? total / static_cast<double>(a.size(0)) : 0.0;
}

template <class T>
void squared_distance_grads(const Tensor<T>& a, const Tensor<T>& b, T ca, T cb, Tensor<T>* ga, Tensor<T>* gb) {
  require_same_shapes("squared_distance_grads", a, b);
  const T *ap = a.data(), *bp = b.data();
  T* gap = ga ? ga->data() : nullptr;
  T* gbp = gb ? gb->data() : nullptr;
  using V = detail::Batch<T>;
  detail::parallel_for_each_batch<T>(a.numel(), detail::kCheapGrain, [&](const auto& at) {
    const V d = at.load(ap) - at.load(bp);
    if (gap) at.store(gap, V(ca) * d);
    if (gbp) at.store(gbp, V(cb) * -d);  // b - a = -(a - b) exactly
  });
}

template <class T>
Tensor<T> cross_entropy_backward(const Tensor<T>& z, const IndexTensor& labels, const Tensor<T>& lse,
                                 const Tensor<T>& gy) {
  const Index rows = labels.numel(), classes = z.dim() > 0 ? z.size(-1) : 0;
  if (z.dim() < 1 || z.numel() != rows * classes || lse.numel() != rows || gy.numel() != rows)
    detail::fail("cross_entropy_backward: logits {}, labels {}, log-sum-exps {} and gradient {} do not match",
                 z.shape(), labels.shape(), lse.shape(), gy.shape());
  Tensor<T> g(z.shape());
  parallel_for(0, rows, rows_per_task(detail::kCostlyGrain, classes), [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      const detail::Batch<T> shift(lse.data()[i]), scale(gy.data()[i]);
      T* gi = g.data() + i * classes;
      detail::map_range(gi, classes, [&](auto v) { return xsimd::exp(v - shift) * scale; }, z.data() + i * classes);
      gi[labels.data()[i]] -= gy.data()[i];
    }
  });
  return g;
}

#define XGRAD_INSTANTIATE(T)                                                                              \
  template Tensor<T> cross_entropy_backward(const Tensor<T>&, const IndexTensor&, const Tensor<T>&,       \
                                            const Tensor<T>&);                                            \
  template BceWithLogits<T> bce_with_logits(const Tensor<T>&, const Tensor<T>&);                          \
  template double mean_row_squared_distance(const Tensor<T>&, const Tensor<T>&);                          \
  template void squared_distance_grads(const Tensor<T>&, const Tensor<T>&, T, T, Tensor<T>*, Tensor<T>*);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
