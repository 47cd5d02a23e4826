#include "xgrad/autograd/ops_reduce.hpp"

#include <algorithm>

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::autograd {

namespace c = xgrad::core;
using detail::record;

namespace {

// The reduced shape with the reduced axes kept as size 1, so the output gradient
// broadcasts back over the input.
Shape keepdim_shape(const Shape& in, const Axes& axes) {
  const auto ax = core::normalize_axes(axes, in.rank(), "reduce");
  Shape s = in;
  for (int a : ax) s[a] = 1;
  return s;
}

Index reduced_count(const Shape& in, const Axes& axes) {
  Index n = 1;
  for (int a : core::normalize_axes(axes, in.rank(), "reduce")) n *= in[a];
  return n;
}

// Gradient of a reduction whose local derivative is 1 for every element: broadcast back.
template <class T>
Tensor<T> spread(const Tensor<T>& gy, const Shape& in, const Axes& axes) {
  return c::broadcast_to(gy.reshape(keepdim_shape(in, axes)), in);
}

// Gradient of max/min: all of gy goes to the first extreme element of each block.
template <class T>
Tensor<T> to_first_extreme(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& gy, const Axes& axes) {
  const auto ax = core::normalize_axes(axes, x.dim(), "max");
  // Move the reduced axes to the back and flatten them, so "first" is well defined.
  std::vector<int> perm;
  for (int i = 0; i < x.dim(); ++i)
    if (std::find(ax.begin(), ax.end(), i) == ax.end()) perm.push_back(i);
  for (int a : ax) perm.push_back(a);
  const Tensor<T> xp = c::permute(x, perm);
  const Index block = reduced_count(x.shape(), axes);
  const Index rows = x.numel() / std::max<Index>(block, 1);
  Tensor<T> gp = Tensor<T>::zeros(xp.shape());
  const T* xv = xp.data();
  const T* yv = y.data();
  const T* g = gy.data();
  T* out = gp.data();
  for (Index r = 0; r < rows; ++r)
    for (Index j = 0; j < block; ++j)
      if (xv[r * block + j] == yv[r]) {
        out[r * block + j] = g[r];
        break;
      }
  // Undo the permutation.
  std::vector<int> inverse(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) inverse[static_cast<std::size_t>(perm[i])] = static_cast<int>(i);
  return c::permute(gp, inverse);
}

}  // namespace

template <class T>
Variable<T> sum(const Variable<T>& x, const Axes& axes, bool keepdim) {
  return record(OpId::sum, c::sum(x.value(), axes, keepdim), [axes](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, spread(gy, self.input(0).shape(), axes));
  }, x);
}

template <class T>
Variable<T> mean(const Variable<T>& x, const Axes& axes, bool keepdim) {
  return record(OpId::mean, c::mean(x.value(), axes, keepdim), [axes](Node<T>& self, Tensor<T>& gy) {
    const Shape& in = self.input(0).shape();
    Tensor<T> g = spread(gy, in, axes);
    c::mul_(g, T(1) / static_cast<T>(reduced_count(in, axes)));
    self.accumulate(0, std::move(g));
  }, x);
}

template <class T>
Variable<T> var(const Variable<T>& x, const Axes& axes, bool keepdim, Index correction) {
  return record(OpId::var, c::var(x.value(), axes, keepdim, correction), [axes, correction](Node<T>& self, Tensor<T>& gy) {
    // d var / dx = 2 (x - mean) / (n - correction)
    const Tensor<T>& x = self.input(0);
    const Index n = reduced_count(x.shape(), axes);
    Tensor<T> centred = c::sub(x, c::mean(x, axes, true));
    Tensor<T> g = c::mul(centred, spread(gy, x.shape(), axes));
    c::mul_(g, T(2) / static_cast<T>(n - correction));
    self.accumulate(0, std::move(g));
  }, x);
}

template <class T>
Variable<T> max(const Variable<T>& x, const Axes& axes, bool keepdim) {
  return record(OpId::max, c::max(x.value(), axes, keepdim), [axes](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, to_first_extreme(self.input(0), self.value, gy, axes));
  }, x);
}

template <class T>
Variable<T> min(const Variable<T>& x, const Axes& axes, bool keepdim) {
  return record(OpId::min, c::min(x.value(), axes, keepdim), [axes](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, to_first_extreme(self.input(0), self.value, gy, axes));
  }, x);
}

template <class T>
Variable<T> logsumexp(const Variable<T>& x, const Axes& axes, bool keepdim) {
  return record(OpId::logsumexp, c::logsumexp(x.value(), axes, keepdim), [axes](Node<T>& self, Tensor<T>& gy) {
    // d lse / dx = softmax(x) = exp(x - lse)
    const Tensor<T>& x = self.input(0);
    const Shape ks = keepdim_shape(x.shape(), axes);
    Tensor<T> p = c::exp(c::sub(x, self.value.reshape(ks)));
    self.accumulate(0, c::mul(p, gy.reshape(ks)));
  }, x);
}

#define XGRAD_INSTANTIATE(T)                                                      \
  template Variable<T> sum(const Variable<T>&, const Axes&, bool);                \
  template Variable<T> mean(const Variable<T>&, const Axes&, bool);               \
  template Variable<T> var(const Variable<T>&, const Axes&, bool, Index);         \
  template Variable<T> max(const Variable<T>&, const Axes&, bool);                \
  template Variable<T> min(const Variable<T>&, const Axes&, bool);                \
  template Variable<T> logsumexp(const Variable<T>&, const Axes&, bool);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::autograd
