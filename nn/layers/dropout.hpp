#pragma once
// Dropout: in training, zeroes each element with probability p and scales the
// rest by 1 / (1 - p); in eval, the identity.
#include <cstdint>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

struct DropoutOptions {
  float p = 0.5f;
  std::uint64_t seed = 0;  ///< seeds the layer's own generator (unused when one is passed in)
};

class Dropout : public Layer {
 public:
  /// Draws masks from its own generator, seeded by options.seed.
  explicit Dropout(const DropoutOptions& options = {});
  /// Draws masks from `gen`, which must outlive the layer (e.g. the model's generator).
  Dropout(const DropoutOptions& options, core::Generator& gen);
  Var forward(const Var& x) override;
  std::string describe() const override;
  /// The generator masks come from (its state goes into checkpoints).
  core::Generator& generator() { return *gen_; }

  const DropoutOptions options;

 private:
  core::Generator own_;
  core::Generator* gen_;
};

}  // namespace xgrad::nn
