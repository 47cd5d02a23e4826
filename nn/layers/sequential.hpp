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
  /// forward(x) (N, C, H, W) as rows of channels (N·H·W, C). A last 1x1 Conv2d right
  /// after a run of residual blocks (fused, with its ReLU) is one matmul on the run's rows:
  /// the run writes them straight from oneDNN's layout, and no permute is built either way
  /// (the VQ-VAE's grid <-> rows permutes were ~1.8 % of its step).
  Var forward_rows(const Var& x);
  /// forward(x) of the grid x (N, C, h, w) given as its rows (N·h·w, C): a first Conv2d
  /// that a run of residual blocks follows reads the rows in oneDNN's layout directly; else
  /// the rows are permuted to NCHW first.
  Var forward_from_rows(const Var& rows, Index h, Index w);
  std::string describe() const override { return "Sequential"; }

  std::size_t size() const { return layers_.size(); }
  const std::shared_ptr<Layer>& operator[](std::size_t i) const { return layers_.at(i); }

 private:
  /// x through the layers from index `first` on.
  Var forward_from(std::size_t first, const Var& x);
  /// Layer i (with the ones fused with it) on y; how many layers ran. `rows_at`: a fused
  /// residual run that ends there writes y channels last, and sets `rows`.
  std::size_t step(std::size_t i, Var& y, std::size_t rows_at, bool& rows) const;

  std::vector<std::shared_ptr<Layer>> layers_;
};

}  // namespace xgrad::nn
