#pragma once
// Sequential: layers applied one after another, registered as children "0", "1", ...
// (so parameters are named "0.weight", "2.bias" as in PyTorch's nn.Sequential).
#include <memory>
#include <vector>

#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

class Sequential : public Layer {
 public:
  Sequential() = default;
  /// nn::make<Sequential>(nn::make<Linear>(...), nn::make<ReLU>(), ...)
  template <class... L>
  explicit Sequential(std::shared_ptr<L>... layers) {
    (push_back(std::move(layers)), ...);
  }
  explicit Sequential(const std::vector<std::shared_ptr<Layer>>& layers) {
    for (const auto& l : layers) push_back(l);
  }

  /// Appends a layer under the next index.
  void push_back(std::shared_ptr<Layer> layer);
  /// x through every layer in order (x itself when empty).
  Var forward(const Var& x) override;
  /// forward([x, one_hot(labels)]) when the first layer is a Linear: it takes the labels
  /// as columns of its weight (Linear::forward_one_hot), no concatenation is built.
  Var forward_one_hot(const Var& x, const IndexTensor& labels);
  std::string describe() const override { return "Sequential"; }

  std::size_t size() const { return layers_.size(); }
  const std::shared_ptr<Layer>& operator[](std::size_t i) const { return layers_.at(i); }

 private:
  /// x through the layers from index `first` on.
  Var forward_from(std::size_t first, const Var& x);

  std::vector<std::shared_ptr<Layer>> layers_;
};

}  // namespace xgrad::nn
