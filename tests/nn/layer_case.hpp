#pragma once
// Helpers for the layer tests: load a PyTorch case of tests/fixtures/nn_layers.json
// (written by nn_layers.py; another `file` written with fixture.py's layer_case, such
// as nn_vq_layers.json) into a module, build the same weighted-sum loss, and
// compare values and gradients with PyTorch's.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fixture.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::test {

/// The tensor `key` of the layer fixtures ("linear.x", "gru2.grad.weight_ih_l1", ...).
inline nn::Tensor reference(const std::string& key, const std::string& file = "nn_layers.json") {
  return fixture<float>(file, key);
}

/// A leaf (with gradient) holding the case's input `key`.
inline nn::Var case_input(const std::string& name, const std::string& key = "x",
                          const std::string& file = "nn_layers.json") {
  return nn::Var(reference(name + "." + key, file), true);
}

/// Copies the case's parameters and buffers (PyTorch's state_dict) into `m`, strictly.
inline void load_case(nn::Module& m, const std::string& name, const std::string& file = "nn_layers.json") {
  nn::StateDict state;
  for (const auto& [key, value] : m.state_dict()) state.emplace_back(key, reference(name + ".param." + key, file));
  m.load_state_dict(state);
}

/// Float computation against float64 references.
inline void check_close(const nn::Tensor& actual, const std::string& key, const std::string& file = "nn_layers.json") {
  const nn::Tensor expected = reference(key, file);
  INFO(key << "\n  xgrad:   " << actual.str() << "\n  PyTorch: " << expected.str());
  CHECK(core::allclose(actual, expected, 1e-5, 1e-5));
}

/// Compares each output with the case's, then backpropagates sum(output * weight) as
/// PyTorch did and compares the gradients of `inputs` and of every parameter of `m`.
inline void check_case(const std::string& name, const std::vector<std::pair<std::string, nn::Var>>& outputs,
                       const std::vector<std::pair<std::string, nn::Var>>& inputs, const nn::Module& m,
                       const std::string& file = "nn_layers.json") {
  nn::Var loss;
  for (const auto& [key, y] : outputs) {
    check_close(y.value(), name + "." + key, file);
    nn::Var term = autograd::sum(y * nn::Var(reference(name + ".w." + key, file)));
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  for (const auto& [key, x] : inputs) check_close(x.grad(), name + ".grad." + key, file);
  for (const auto& [key, p] : m.named_parameters()) check_close(p.grad(), name + ".grad." + key, file);
}

}  // namespace xgrad::test
