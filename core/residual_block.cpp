#include "xgrad/core/residual_block.hpp"

#include <type_traits>

#include "xgrad/core/conv.hpp"
#include "xgrad/core/detail/conv_path.hpp"
#include "xgrad/core/detail/format.hpp"
#include "xgrad/core/detail/residual_dnnl.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/reduce.hpp"

namespace xgrad::core {
namespace {

const Conv2dParams kPad1{{1, 1}, {1, 1}, {1, 1}};

template <class T>
detail::ResidualShape check(const Tensor<T>& x, const Tensor<T>& w3, const Tensor<T>& b3, const Tensor<T>& w1,
                            const Tensor<T>& b1) {
  const Index c = x.dim() == 4 ? x.size(1) : -1, k = w3.dim() == 4 ? w3.size(0) : -1;
  if (c < 0 || k < 0 || w3.shape() != Shape{k, c, 3, 3} || b3.shape() != Shape{k} || w1.shape() != Shape{c, k, 1, 1} ||
      b1.shape() != Shape{c})
    detail::fail("residual_block: x {} needs w3 (K, C, 3, 3), b3 (K), w1 (C, K, 1, 1), b1 (C); got {}, {}, {}, {}",
                 x.shape(), w3.shape(), b3.shape(), w1.shape(), b1.shape());
  return {x.size(0), c, k, x.size(2), x.size(3)};
}

// The bias gradient of a convolution: gy summed over images, then over each plane.
template <class T>
Tensor<T> bias_grad(const Tensor<T>& gy) {
  return sum(sum(gy, {0}), {1, 2});
}

}  // namespace

template <class T>
ResidualBlockOutput<T> residual_block(const Tensor<T>& x, const Tensor<T>& w3, const Tensor<T>& b3,
                                      const Tensor<T>& w1, const Tensor<T>& b1) {
  const detail::ResidualShape s = check(x, w3, b3, w1, b1);
  if constexpr (std::is_same_v<T, float>) {
    ResidualBlockOutput<T> out{Tensor<T>(x.shape()), Tensor<T>(Shape{s.n, s.k, s.h, s.w}), true};
    if (detail::dnnl_residual_block(x.data(), w3.data(), b3.data(), w1.data(), b1.data(), out.y.data(),
                                    out.hidden.data(), s)) {
      detail::count_dnnl_passes(detail::ConvPass::forward, 2);  // its two convolutions
      return out;
    }
  }
  ResidualBlockOutput<T> out;
  out.hidden = conv2d(relu(x), w3, b3, kPad1);
  relu_(out.hidden);
  out.y = conv2d(out.hidden, w1, b1, Conv2dParams{});
  add_(out.y, x);
  return out;
}

template <class T>
ResidualBlockGrads<T> residual_block_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w3,
                                              const Tensor<T>& w1, const ResidualBlockOutput<T>& out) {
  if (gy.shape() != x.shape()) detail::fail("residual_block_backward: gy {} is not x's shape {}", gy.shape(), x.shape());
  ResidualBlockGrads<T> g;
  if constexpr (std::is_same_v<T, float>) {
    if (out.blocked) {
      g = {Tensor<T>(x.shape()), Tensor<T>(w3.shape()), Tensor<T>(Shape{w3.size(0)}), Tensor<T>(w1.shape()),
           Tensor<T>(Shape{w1.size(0)})};
      const detail::ResidualShape s{x.size(0), x.size(1), w3.size(0), x.size(2), x.size(3)};
      if (!detail::dnnl_residual_block_backward(gy.data(), x.data(), w3.data(), w1.data(), out.hidden.data(),
                                                g.x.data(), g.w3.data(), g.b3.data(), g.w1.data(), g.b1.data(), s))
        detail::fail("residual_block_backward: oneDNN ran the forward pass of {} but not its backward", x.shape());
      detail::count_dnnl_passes(detail::ConvPass::input_grad, 2);
      detail::count_dnnl_passes(detail::ConvPass::weight_grad, 2);
      return g;
    }
  }
  // y = x + conv1(h) + b1, h = relu(conv3(a) + b3), a = relu(x).
  ConvGrads<T> g1 = conv2d_backward(gy, out.hidden, w1, Conv2dParams{}, true, true);
  relu_backward_(g1.x, out.hidden);
  const Tensor<T> a = relu(x);
  ConvGrads<T> g3 = conv2d_backward(g1.x, a, w3, kPad1, true, true);
  relu_backward_(g3.x, a);
  add_(g3.x, gy);
  g.x = std::move(g3.x), g.w3 = std::move(g3.w), g.b3 = bias_grad(g1.x), g.w1 = std::move(g1.w), g.b1 = bias_grad(gy);
  return g;
}

#define XGRAD_INSTANTIATE(T)                                                                                      \
  template ResidualBlockOutput<T> residual_block(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,           \
                                                 const Tensor<T>&, const Tensor<T>&);                            \
  template ResidualBlockGrads<T> residual_block_backward(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,   \
                                                         const Tensor<T>&, const ResidualBlockOutput<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
