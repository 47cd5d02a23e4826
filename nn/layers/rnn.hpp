#pragma once
// GRU and LSTM over a whole sequence, batch first, with one or more stacked
// layers (layer k reads the hidden states of layer k - 1). Parameters carry
// PyTorch's names: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._l1.
// Each layer computes its input gates for all time steps in one product.
#include <vector>

#include "xgrad/nn/layers/rnn_cell.hpp"

namespace xgrad::nn {

struct RNNOptions {
  Index in = 0;
  Index hidden = 0;
  Index layers = 1;
  bool bias = true;
};

struct GRUOutput {
  Var output;  ///< (B, T, H): the last layer's hidden state at every step
  Var h;       ///< (layers, B, H): each layer's final hidden state
};

struct LSTMOutput {
  Var output;       ///< (B, T, H): the last layer's hidden state at every step
  LSTMState state;  ///< h and c, each (layers, B, H): each layer's final state
};

class GRU : public RecurrentModule {
 public:
  /// Every parameter ~ U(-1/sqrt(hidden), 1/sqrt(hidden)), PyTorch's default.
  GRU(const RNNOptions& options, core::Generator& gen);
  /// x (B, T, in), h0 (layers, B, hidden) or undefined for zeros.
  GRUOutput forward(const Var& x, const Var& h0 = {});
  GRUOutput operator()(const Var& x, const Var& h0 = {}) { return forward(x, h0); }
  std::string describe() const override;

  const RNNOptions options;
  std::vector<RNNWeights> weights;  ///< one per layer
};

class LSTM : public RecurrentModule {
 public:
  /// Every parameter ~ U(-1/sqrt(hidden), 1/sqrt(hidden)), PyTorch's default.
  LSTM(const RNNOptions& options, core::Generator& gen);
  /// x (B, T, in), state0 h and c each (layers, B, hidden) or undefined for zeros.
  LSTMOutput forward(const Var& x, const LSTMState& state0 = {});
  LSTMOutput operator()(const Var& x, const LSTMState& state0 = {}) { return forward(x, state0); }
  std::string describe() const override;

  const RNNOptions options;
  std::vector<RNNWeights> weights;  ///< one per layer
};

}  // namespace xgrad::nn
