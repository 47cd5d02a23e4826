#include "xgrad/nn/layers/sequential.hpp"

#include "xgrad/nn/layers/activation.hpp"
#include "xgrad/nn/layers/linear.hpp"

namespace xgrad::nn {

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
  for (std::size_t i = first; i < layers_.size(); ++i) {
    // A Linear followed by a ReLU runs as one fused node (the same values and
    // gradients, without the activation's own tensors and graph node).
    auto* linear = dynamic_cast<Linear*>(layers_[i].get());
    if (linear && i + 1 < layers_.size() && dynamic_cast<ReLU*>(layers_[i + 1].get())) {
      y = linear->forward_relu(y);
      ++i;
    } else {
      y = layers_[i]->forward(y);
    }
  }
  return y;
}

}  // namespace xgrad::nn
