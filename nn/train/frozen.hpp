#pragma once
// FrozenParameters: gradient recording off for a module's parameters while it lives.
// A phase that backpropagates through a network it must not change (a GAN generator
// through its discriminator, an encoder through a critic) freezes that network.
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class FrozenParameters {
 public:
  explicit FrozenParameters(const Module& m) : params_(m.parameters()) {
    for (Var& p : params_) p.set_requires_grad(false);
  }
  ~FrozenParameters() {
    for (Var& p : params_) p.set_requires_grad(true);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<Var> params_;
};

}  // namespace xgrad::nn
