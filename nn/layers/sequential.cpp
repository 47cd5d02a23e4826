#include "xgrad/nn/layers/sequential.hpp"

#include <fmt/format.h>

#include <array>
#include <typeinfo>

#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/nn/layers/activation.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/residual.hpp"

namespace xgrad::nn {
namespace {

// layers[i] when it is an exact ConvTranspose2d with a bias followed by a ReLU: a residual
// run's tail.
const ConvTranspose2d* biased_deconv_relu(const std::vector<std::shared_ptr<Layer>>& layers, std::size_t i) {
  const Layer* l = i + 1 < layers.size() ? layers[i].get() : nullptr;
  const auto* c = l && typeid(*l) == typeid(ConvTranspose2d) ? static_cast<const ConvTranspose2d*>(l) : nullptr;
  return c && c->bias.defined() && typeid(*layers[i + 1]) == typeid(ReLU) ? c : nullptr;
}

// layers[i] when it is an exact ConvTranspose2d with a bias: after a tail, the run's last deconvolution.
const ConvTranspose2d* biased_deconv(const std::vector<std::shared_ptr<Layer>>& layers, std::size_t i) {
  const Layer* l = i < layers.size() ? layers[i].get() : nullptr;
  const auto* c = l && typeid(*l) == typeid(ConvTranspose2d) ? static_cast<const ConvTranspose2d*>(l) : nullptr;
  return c && c->bias.defined() ? c : nullptr;
}

// layers[i] when it is an exact Conv2d with a bias.
const Conv2d* biased_conv(const std::vector<std::shared_ptr<Layer>>& layers, std::size_t i) {
  const Layer* l = i < layers.size() ? layers[i].get() : nullptr;
  const auto* c = l && typeid(*l) == typeid(Conv2d) ? static_cast<const Conv2d*>(l) : nullptr;
  return c && c->bias.defined() ? c : nullptr;
}

// The ResidualBlocks from layers[i] on, with the Conv2d before them (and a Conv2d + ReLU
// before that, the head) and the ReLU after them when there are, as one node
// (autograd::residual_stack): in float the activations stay in oneDNN's blocked layout from
// the head's output to the last block's, and after the ReLU a ConvTranspose2d + ReLU (the
// tail) when there are, and a ConvTranspose2d after that (the last), out of it to the output of the last
// of them. How many layers it ran (0 unless a run of blocks
// starts at layers[i], layers[i + 1] or layers[i + 3]); the output
// is rows of channels (N * H * W, C) when the run ends right before layers[rows_at]. `rows_in`:
// y is (N, H, W, C), which only a run with a stem reads (0 otherwise).
std::size_t residual_run(const std::vector<std::shared_ptr<Layer>>& layers, std::size_t i, Var& y,
                         std::size_t rows_at, bool& rows, bool rows_in = false) {
  // Exact types only: a subclass may override forward, which the fused node would bypass.
  const auto block = [&](std::size_t j) {
    const Layer* l = j < layers.size() ? layers[j].get() : nullptr;
    return l && typeid(*l) == typeid(ResidualBlock) ? static_cast<const ResidualBlock*>(l) : nullptr;
  };
  const auto relu_at = [&](std::size_t j) { return j < layers.size() && typeid(*layers[j]) == typeid(ReLU); };
  const Conv2d* head = nullptr;
  if (!rows_in && biased_conv(layers, i) && relu_at(i + 1) && biased_conv(layers, i + 2) && block(i + 3))
    head = biased_conv(layers, i), i += 2;
  const Conv2d* stem = biased_conv(layers, i);
  if (!block(i + 1)) stem = nullptr;
  if (rows_in && !stem) return 0;
  std::vector<Var> params;
  std::size_t j = i + (stem ? 1 : 0);
  for (; block(j); ++j) {
    const ResidualBlock& b = *block(j);
    params.insert(params.end(), {b.conv3->weight, b.conv3->bias, b.conv1->weight, b.conv1->bias});
  }
  if (params.empty()) return 0;
  const bool relu = j < layers.size() && dynamic_cast<const ReLU*>(layers[j].get());
  rows = j + (relu ? 1 : 0) == rows_at;
  const ConvTranspose2d* tail = relu && !rows ? biased_deconv_relu(layers, j + 1) : nullptr;
  std::vector<Var> tw;
  if (tail) tw = {tail->weight, tail->bias};
  const core::Conv2dParams tp = tail ? tail->params() : core::Conv2dParams{};
  const std::array<Index, 2> top = tail ? tail->options.output_padding : std::array<Index, 2>{0, 0};
  const ConvTranspose2d* last = tail ? biased_deconv(layers, j + 3) : nullptr;
  std::vector<Var> lw;
  if (last) lw = {last->weight, last->bias};
  const core::Conv2dParams lp = last ? last->params() : core::Conv2dParams{};
  const std::array<Index, 2> lop = last ? last->options.output_padding : std::array<Index, 2>{0, 0};
  const std::size_t ran = j - i + (relu ? 1 : 0) + (tail ? 2 : 0) + (last ? 1 : 0);
  if (head) {
    y = autograd::residual_stack(y, params, relu, {stem->weight, stem->bias}, stem->params(), rows, false,
                                 {head->weight, head->bias}, head->params(), tw, tp, top, lw, lp, lop);
    return ran + 2;
  }
  if (stem) {
    y = autograd::residual_stack(y, params, relu, {stem->weight, stem->bias}, stem->params(), rows, rows_in, {}, {}, tw,
                                 tp, top, lw, lp, lop);
  } else {
    y = autograd::residual_stack(y, params, relu, {}, {}, rows, false, {}, {}, tw, tp, top, lw, lp, lop);
  }
  return ran;
}

// layers[i] when it is an exact Conv2d with a 1x1 kernel, stride 1, no padding and a bias:
// a Linear on rows of channels.
const Conv2d* pointwise(const std::vector<std::shared_ptr<Layer>>& layers, std::size_t i) {
  const Layer* l = i < layers.size() ? layers[i].get() : nullptr;
  const auto* c = l && typeid(*l) == typeid(Conv2d) ? static_cast<const Conv2d*>(l) : nullptr;
  if (!c || !c->bias.defined() || c->weight.size(2) != 1 || c->weight.size(3) != 1) return nullptr;
  const core::Conv2dParams p = c->params();
  return p.stride == std::array<Index, 2>{1, 1} && p.padding == std::array<Index, 2>{0, 0} ? c : nullptr;
}

}  // namespace

void Sequential::push_back(std::shared_ptr<Layer> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Var Sequential::forward(const Var& x) { return forward_from(0, x); }

Var Sequential::forward_one_hot(const Var& x, const IndexTensor& labels) {
  auto* linear = layers_.empty() ? nullptr : dynamic_cast<Linear*>(layers_[0].get());
  if (!linear) throw core::ValueError("Sequential::forward_one_hot: the first layer must be a Linear");
  if (layers_.size() > 1 && dynamic_cast<ReLU*>(layers_[1].get()))
    return forward_from(2, linear->forward_one_hot_relu(x, labels));
  return forward_from(1, linear->forward_one_hot(x, labels));
}

Var Sequential::forward_from(std::size_t first, const Var& x) {
  Var y = x;
  bool rows = false;
  for (std::size_t i = first; i < layers_.size();) i += step(i, y, layers_.size() + 1, rows);
  return y;
}

Var Sequential::forward_rows(const Var& x) {
  const std::size_t n = layers_.size();
  const Conv2d* conv = n > 0 ? pointwise(layers_, n - 1) : nullptr;
  const std::size_t head = conv ? n - 1 : n;
  Var y = x;
  bool rows = false;
  for (std::size_t i = 0; i < head;) i += step(i, y, head, rows);
  if (rows) {  // y is rows (N H W, C) from the run's node: a 1x1 convolution after it is y W^T + b
    if (!conv) return y;
    return autograd::linear(y, autograd::reshape(conv->weight, {conv->weight.size(0), y.size(1)}), conv->bias);
  }
  if (conv) y = layers_[head]->forward(y);
  return autograd::reshape(autograd::permute(y, {0, 2, 3, 1}), {y.size(0) * y.size(2) * y.size(3), y.size(1)});
}

Var Sequential::forward_from_rows(const Var& rows, Index h, Index w) {
  const Index c = rows.dim() == 2 ? rows.size(1) : 0;
  if (c == 0 || h <= 0 || w <= 0 || rows.size(0) % (h * w) != 0)
    throw core::ShapeError(fmt::format("Sequential::forward_from_rows: rows {} are not (N * {} * {}, C)",
                                       rows.shape().str(), h, w));
  Var y = autograd::reshape(rows, {rows.size(0) / (h * w), h, w, c});
  bool rows_out = false;
  if (!layers_.empty())
    if (const std::size_t ran = residual_run(layers_, 0, y, layers_.size() + 1, rows_out, true))
      return forward_from(ran, y);
  return forward_from(0, autograd::permute(y, {0, 3, 1, 2}));
}

std::size_t Sequential::step(std::size_t i, Var& y, std::size_t rows_at, bool& rows) const {
  // A Linear followed by a ReLU runs as one fused node (the same values and gradients,
  // without the activation's own tensors and graph node); so do residual blocks in a row,
  // with the ReLU after them.
  rows = false;
  if (const std::size_t ran = residual_run(layers_, i, y, rows_at, rows)) return ran;
  auto* linear = dynamic_cast<Linear*>(layers_[i].get());
  if (linear && i + 1 < layers_.size() && dynamic_cast<ReLU*>(layers_[i + 1].get())) {
    y = linear->forward_relu(y);
    return 2;
  }
  y = layers_[i]->forward(y);
  return 1;
}

}  // namespace xgrad::nn
