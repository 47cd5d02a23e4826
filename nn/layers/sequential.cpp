#include "xgrad/nn/layers/sequential.hpp"

namespace xgrad::nn {

void Sequential::push_back(std::shared_ptr<Layer> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Var Sequential::forward(const Var& x) {
  Var y = x;
  for (const auto& layer : layers_) y = layer->forward(y);
  return y;
}

}  // namespace xgrad::nn
