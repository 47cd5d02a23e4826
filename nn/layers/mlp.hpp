#pragma once
// MLP: Linear layers of the given sizes with an activation between them, as a
// Sequential (Linear, act, Linear, ...): parameters "0.weight", "0.bias", "2.weight", ...
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/activation.hpp"
#include "xgrad/nn/layers/sequential.hpp"

namespace xgrad::nn {

struct MLPOptions {
  std::vector<Index> sizes;  ///< input size, hidden sizes..., output size (at least two)
  Activation activation = Activation::ReLU;
  bool activate_last = false;  ///< also apply the activation after the last Linear
  bool bias = true;
};

class MLP : public Sequential {
 public:
  /// nn::make<MLP>(MLPOptions{.sizes = {784, 400, 20}, .activation = Activation::ReLU}, gen)
  MLP(const MLPOptions& options, core::Generator& gen);
  std::string describe() const override;

  const MLPOptions options;
};

}  // namespace xgrad::nn
