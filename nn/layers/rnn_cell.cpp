#include "xgrad/nn/layers/rnn_cell.hpp"

#include <fmt/format.h>

#include <cmath>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_recurrent.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

using namespace autograd;

Var gru_step(const Var& gi, const Var& h, const Var& w_hh, const Var& b_hh) {
  // One fused node for the gates (r, z, n) and the update, after the two products.
  return gru_cell(gi, linear(h, w_hh, b_hh), h);
}

LSTMState lstm_step(const Var& gi, const LSTMState& state, const Var& w_hh, const Var& b_hh) {
  const Index hidden = state.h.size(-1);
  const auto g = split(gi + linear(state.h, w_hh, b_hh), {hidden, hidden, hidden, hidden}, 1);
  const Var c = sigmoid(g[1]) * state.c + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c), c};
}

RNNWeights RecurrentModule::register_weights(const char* layer, Index gates, Index in, Index hidden, bool bias,
                                             const std::string& suffix, core::Generator& gen) {
  if (in <= 0 || hidden <= 0)
    throw core::ValueError(fmt::format("{}: in and hidden must be positive, got {} and {}", layer, in, hidden));
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden));
  auto add = [&](const std::string& name, const Shape& shape) {
    Var& v = register_parameter(name + suffix, Tensor(shape));
    init::uniform_(v, -k, k, gen);
    return v;
  };
  RNNWeights w;
  w.weight_ih = add("weight_ih", {gates * hidden, in});
  w.weight_hh = add("weight_hh", {gates * hidden, hidden});
  if (bias) {
    w.bias_ih = add("bias_ih", {gates * hidden});
    w.bias_hh = add("bias_hh", {gates * hidden});
  }
  return w;
}

namespace {

void check_input(const char* cell, const Var& x, Index in) {
  if (x.dim() != 2 || x.size(1) != in)
    throw core::ShapeError(fmt::format("{}: input of shape {} is not (B, {})", cell, x.shape().str(), in));
}

// The given state, or zeros when undefined (the usual start of a sequence).
Var state_or_zeros(const char* cell, const char* what, const Var& s, Index batch, Index hidden) {
  if (!s.defined()) return Var(Tensor::zeros({batch, hidden}));
  if (s.shape() != Shape{batch, hidden})
    throw core::ShapeError(
        fmt::format("{}: {} of shape {} is not (B, H) = ({}, {})", cell, what, s.shape().str(), batch, hidden));
  return s;
}

}  // namespace

GRUCell::GRUCell(const RNNCellOptions& options, core::Generator& gen) : options(options) {
  w = register_weights("GRUCell", 3, options.in, options.hidden, options.bias, "", gen);
}

Var GRUCell::forward(const Var& x, const Var& h) {
  check_input("GRUCell", x, options.in);
  const Var h0 = state_or_zeros("GRUCell", "hidden state", h, x.size(0), options.hidden);
  return gru_step(linear(x, w.weight_ih, w.bias_ih), h0, w.weight_hh, w.bias_hh);
}

std::string GRUCell::describe() const { return fmt::format("GRUCell({} -> {})", options.in, options.hidden); }

LSTMCell::LSTMCell(const RNNCellOptions& options, core::Generator& gen) : options(options) {
  w = register_weights("LSTMCell", 4, options.in, options.hidden, options.bias, "", gen);
}

LSTMState LSTMCell::forward(const Var& x, const LSTMState& state) {
  check_input("LSTMCell", x, options.in);
  const LSTMState s0{state_or_zeros("LSTMCell", "hidden state", state.h, x.size(0), options.hidden),
                     state_or_zeros("LSTMCell", "cell state", state.c, x.size(0), options.hidden)};
  return lstm_step(linear(x, w.weight_ih, w.bias_ih), s0, w.weight_hh, w.bias_hh);
}

std::string LSTMCell::describe() const { return fmt::format("LSTMCell({} -> {})", options.in, options.hidden); }

}  // namespace xgrad::nn
