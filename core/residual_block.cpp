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
detail::ResidualShape check(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& blocks) {
  const Index c = x.dim() == 4 ? x.size(1) : -1;
  const Index k = blocks.empty() || blocks[0].w3->dim() != 4 ? -1 : blocks[0].w3->size(0);
  for (const ResidualWeights<T>& b : blocks)
    if (c < 0 || k < 0 || b.w3->shape() != Shape{k, c, 3, 3} || b.b3->shape() != Shape{k} ||
        b.w1->shape() != Shape{c, k, 1, 1} || b.b1->shape() != Shape{c})
      detail::fail("residual_stack: x {} needs w3 (K, C, 3, 3), b3 (K), w1 (C, K, 1, 1), b1 (C) in every block; got "
                   "{}, {}, {}, {}",
                   x.shape(), b.w3->shape(), b.b3->shape(), b.w1->shape(), b.b1->shape());
  if (blocks.empty()) detail::fail("residual_stack: no blocks");
  return {x.size(0), c, k, x.size(2), x.size(3)};
}

// The bias gradient of a convolution: gy summed over images, then over each plane.
template <class T>
Tensor<T> bias_grad(const Tensor<T>& gy) {
  return sum(sum(gy, {0}), {1, 2});
}

std::vector<detail::ResidualPointers> pointers(const std::vector<ResidualWeights<float>>& blocks) {
  std::vector<detail::ResidualPointers> p;
  for (const auto& b : blocks) p.push_back({b.w3->data(), b.b3->data(), b.w1->data(), b.b1->data()});
  return p;
}

// The float stack on oneDNN, or false.
bool dnnl_forward(const Tensor<float>& x, const std::vector<ResidualWeights<float>>& blocks, bool relu_after,
                  const detail::ResidualShape& s, ResidualStackOutput<float>& out) {
  out.y = Tensor<float>(x.shape());
  std::vector<float*> activations, hidden;
  for (std::size_t b = 0; b < blocks.size() + (relu_after ? 1 : 0); ++b)
    activations.push_back(out.activations.emplace_back(x.shape()).data());
  for (std::size_t b = 0; b < blocks.size(); ++b)
    hidden.push_back(out.hidden.emplace_back(Shape{s.n, s.k, s.h, s.w}).data());
  if (!detail::dnnl_residual_stack(x.data(), pointers(blocks), relu_after, out.y.data(), activations, hidden, s)) {
    out = {};
    return false;
  }
  out.blocked = true;
  detail::count_dnnl_passes(detail::ConvPass::forward, 2 * blocks.size());  // its convolutions
  return true;
}

void dnnl_backward(const Tensor<float>& gy, const Tensor<float>& x, const std::vector<ResidualWeights<float>>& blocks,
                   bool relu_after, const ResidualStackOutput<float>& out, ResidualStackGrads<float>& g) {
  g.x = Tensor<float>(x.shape());
  std::vector<const float*> activations, hidden;
  for (const Tensor<float>& a : out.activations) activations.push_back(a.data());
  std::vector<std::array<float*, 4>> grads;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    hidden.push_back(out.hidden[b].data());
    auto& w = g.blocks.emplace_back(std::array<Tensor<float>, 4>{
        Tensor<float>(blocks[b].w3->shape()), Tensor<float>(blocks[b].b3->shape()),
        Tensor<float>(blocks[b].w1->shape()), Tensor<float>(blocks[b].b1->shape())});
    grads.push_back({w[0].data(), w[1].data(), w[2].data(), w[3].data()});
  }
  const detail::ResidualShape s{x.size(0), x.size(1), blocks[0].w3->size(0), x.size(2), x.size(3)};
  if (!detail::dnnl_residual_stack_backward(gy.data(), pointers(blocks), relu_after, activations, hidden,
                                            g.x.data(), grads, s))
    detail::fail("residual_stack_backward: oneDNN ran the forward pass of {} but not its backward", x.shape());
  detail::count_dnnl_passes(detail::ConvPass::input_grad, 2 * blocks.size());
  detail::count_dnnl_passes(detail::ConvPass::weight_grad, 2 * blocks.size());
}

}  // namespace

template <class T>
ResidualStackOutput<T> residual_stack(const Tensor<T>& x, const std::vector<ResidualWeights<T>>& blocks,
                                      bool relu_after) {
  [[maybe_unused]] const detail::ResidualShape s = check(x, blocks);
  ResidualStackOutput<T> out;
  if constexpr (std::is_same_v<T, float>)
    if (dnnl_forward(x, blocks, relu_after, s, out)) return out;
  Tensor<T> y = x;
  for (const ResidualWeights<T>& b : blocks) {
    const Tensor<T>& a = out.activations.emplace_back(relu(y));
    Tensor<T>& h = out.hidden.emplace_back(conv2d(a, *b.w3, *b.b3, kPad1));
    relu_(h);
    Tensor<T> r = conv2d(h, *b.w1, *b.b1, Conv2dParams{});
    add_(r, y);
    y = std::move(r);
  }
  if (relu_after) out.activations.push_back(relu(y));
  out.y = relu_after ? out.activations.back() : std::move(y);
  return out;
}

template <class T>
ResidualStackGrads<T> residual_stack_backward(const Tensor<T>& gy, const Tensor<T>& x,
                                              const std::vector<ResidualWeights<T>>& blocks, bool relu_after,
                                              const ResidualStackOutput<T>& out) {
  if (gy.shape() != x.shape())
    detail::fail("residual_stack_backward: gy {} is not x's shape {}", gy.shape(), x.shape());
  ResidualStackGrads<T> g;
  if constexpr (std::is_same_v<T, float>) {
    if (out.blocked) {
      dnnl_backward(gy, x, blocks, relu_after, out, g);
      return g;
    }
  }
  // Block b: y = in + conv1(h) + b1, h = relu(conv3(a) + b3), a = relu(in).
  Tensor<T> gb(gy);
  if (relu_after) relu_backward_(gb, out.activations.back());
  g.blocks.resize(blocks.size());
  for (std::size_t b = blocks.size(); b-- > 0;) {
    const Tensor<T>& a = out.activations[b];
    ConvGrads<T> g1 = conv2d_backward(gb, out.hidden[b], *blocks[b].w1, Conv2dParams{}, true, true);
    relu_backward_(g1.x, out.hidden[b]);
    ConvGrads<T> g3 = conv2d_backward(g1.x, a, *blocks[b].w3, kPad1, true, true);
    relu_backward_(g3.x, a);
    g.blocks[b] = {std::move(g3.w), bias_grad(g1.x), std::move(g1.w), bias_grad(gb)};
    add_(g3.x, gb);
    gb = std::move(g3.x);
  }
  g.x = std::move(gb);
  return g;
}

#define XGRAD_INSTANTIATE(T)                                                                                   \
  template ResidualStackOutput<T> residual_stack(const Tensor<T>&, const std::vector<ResidualWeights<T>>&,    \
                                                 bool);                                                        \
  template ResidualStackGrads<T> residual_stack_backward(const Tensor<T>&, const Tensor<T>&,                  \
                                                         const std::vector<ResidualWeights<T>>&, bool,         \
                                                         const ResidualStackOutput<T>&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::core
