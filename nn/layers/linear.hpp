#pragma once
// Linear: y = x W^T + b over the last axis of x.
#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

struct LinearOptions {
  Index in = 0;
  Index out = 0;
  bool bias = true;
};

class Linear : public Layer {
 public:
  /// weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)), PyTorch's default.
  Linear(const LinearOptions& options, core::Generator& gen);
  /// Linear(in, out) with a bias, as torch::nn::Linear(in, out).
  Linear(Index in, Index out, core::Generator& gen) : Linear(LinearOptions{.in = in, .out = out}, gen) {}
  /// x (..., in) -> (..., out)
  Var forward(const Var& x) override;
  /// relu(forward(x)) as one fused node (autograd::linear_relu).
  Var forward_relu(const Var& x);
  /// forward([x, one_hot(labels)]) for a layer of in = x.size(-1) + classes, without the
  /// concatenation (autograd::linear_one_hot): the same parameters as over the concatenation.
  Var forward_one_hot(const Var& x, const IndexTensor& labels);
  /// relu(forward_one_hot(x, labels)) as one fused node.
  Var forward_one_hot_relu(const Var& x, const IndexTensor& labels);
  std::string describe() const override;

  const LinearOptions options;
  Var weight;  ///< (out, in)
  Var bias;    ///< (out), undefined without bias
};

}  // namespace xgrad::nn
