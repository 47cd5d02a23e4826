// The binary cross-entropy of logits and its derivative in xsimd batches. Through xtensor the
// log1p of this formula ran as scalar libm calls (18 % of the MLP VAE's training
// step at one thread, perf, 2026-12-03); xsimd's log1p and exp keep the whole
// formula in registers.
#include "xgrad/core/losses.hpp"

#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/simd.hpp"

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

#define XGRAD_INSTANTIATE(T) template BceWithLogits<T> bce_with_logits(const Tensor<T>&, const Tensor<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
