#include "xgrad/nn/layers/activation.hpp"

#include <fmt/format.h>

namespace xgrad::nn {

Var activate(const Var& x, Activation a) {
  switch (a) {
    case Activation::Identity: return x;
    case Activation::ReLU: return relu(x);
    case Activation::Tanh: return tanh(x);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::LeakyReLU: return leaky_relu(x);
    case Activation::ELU: return elu(x);
    case Activation::Softplus: return softplus(x);
    case Activation::GELU: return gelu(x);
  }
  throw core::ValueError("activate: unknown activation");
}

std::shared_ptr<Layer> make_activation(Activation a) {
  switch (a) {
    case Activation::Identity: return make<Identity>();
    case Activation::ReLU: return make<ReLU>();
    case Activation::Tanh: return make<Tanh>();
    case Activation::Sigmoid: return make<Sigmoid>();
    case Activation::LeakyReLU: return make<LeakyReLU>();
    case Activation::ELU: return make<ELU>();
    case Activation::Softplus: return make<Softplus>();
    case Activation::GELU: return make<GELU>();
  }
  throw core::ValueError("make_activation: unknown activation");
}

std::string LeakyReLU::describe() const { return fmt::format("LeakyReLU(slope {})", slope); }
std::string ELU::describe() const { return fmt::format("ELU(alpha {})", alpha); }

}  // namespace xgrad::nn
