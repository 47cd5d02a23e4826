#pragma once
// Flatten collapses a range of axes into one; Unflatten splits one axis into several.
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

struct FlattenOptions {
  int start = 1;  ///< first axis to collapse (the batch axis 0 is kept by default)
  int end = -1;   ///< last axis to collapse, inclusive
};

/// (N, C, H, W) -> (N, C * H * W) with the defaults.
class Flatten : public Layer {
 public:
  explicit Flatten(const FlattenOptions& options = {}) : options(options) {}
  Var forward(const Var& x) override;
  std::string describe() const override;

  const FlattenOptions options;
};

struct UnflattenOptions {
  int axis = 1;  ///< the axis to split
  Shape sizes;   ///< what it becomes; their product is its size (one entry may be -1, inferred)
};

/// (N, 784) -> (N, 1, 28, 28) with {.axis = 1, .sizes = {1, 28, 28}}.
class Unflatten : public Layer {
 public:
  explicit Unflatten(const UnflattenOptions& options) : options(options) {}
  Var forward(const Var& x) override;
  std::string describe() const override;

  const UnflattenOptions options;
};

}  // namespace xgrad::nn
