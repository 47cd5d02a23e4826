#pragma once
// Activations as functions (the autograd ops, re-exported into nn) and as
// modules for Sequential. `Activation` names one, for helpers such as MLP.
#include <memory>
#include <string>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

using autograd::elu;
using autograd::gelu;
using autograd::leaky_relu;
using autograd::relu;
using autograd::sigmoid;
using autograd::softplus;
using autograd::tanh;

enum class Activation { Identity, ReLU, Tanh, Sigmoid, LeakyReLU, ELU, Softplus, GELU };

/// Applies `a` with its default parameter (leaky slope 0.01, ELU alpha 1).
Var activate(const Var& x, Activation a);
/// A module applying `a` (Identity for Activation::Identity).
std::shared_ptr<Layer> make_activation(Activation a);

/// x unchanged: a placeholder where a layer is optional.
class Identity : public Layer {
 public:
  Var forward(const Var& x) override { return x; }
  std::string describe() const override { return "Identity"; }
};

class ReLU : public Layer {
 public:
  Var forward(const Var& x) override { return relu(x); }
  std::string describe() const override { return "ReLU"; }
};

class Tanh : public Layer {
 public:
  Var forward(const Var& x) override { return tanh(x); }
  std::string describe() const override { return "Tanh"; }
};

class Sigmoid : public Layer {
 public:
  Var forward(const Var& x) override { return sigmoid(x); }
  std::string describe() const override { return "Sigmoid"; }
};

/// log(1 + exp(x)) (PyTorch's Softplus with beta 1).
class Softplus : public Layer {
 public:
  Var forward(const Var& x) override { return softplus(x); }
  std::string describe() const override { return "Softplus"; }
};

/// x Phi(x), the exact (erf) form: PyTorch's GELU() default.
class GELU : public Layer {
 public:
  Var forward(const Var& x) override { return gelu(x); }
  std::string describe() const override { return "GELU"; }
};

/// x if x > 0 else slope * x
class LeakyReLU : public Layer {
 public:
  explicit LeakyReLU(float slope = 0.01f) : slope(slope) {}
  Var forward(const Var& x) override { return leaky_relu(x, slope); }
  std::string describe() const override;
  const float slope;
};

/// x if x > 0 else alpha * (exp(x) - 1)
class ELU : public Layer {
 public:
  explicit ELU(float alpha = 1.f) : alpha(alpha) {}
  Var forward(const Var& x) override { return elu(x, alpha); }
  std::string describe() const override;
  const float alpha;
};

}  // namespace xgrad::nn
