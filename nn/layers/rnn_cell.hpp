#pragma once
// GRU and LSTM cells (one time step), with PyTorch's equations, gate order and
// parameter names. Each gate group comes from ONE product per input: the input
// product gi = x W_ih^T + b_ih (B, 3H or 4H) and the hidden product
// gh = h W_hh^T + b_hh are split into gates afterwards. The step functions take gi
// precomputed, so a sequence layer can compute it for all time steps at once.
#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// GRU step, gates r, z, n:  r = s(gi_r + gh_r), z = s(gi_z + gh_z),
/// n = tanh(gi_n + r * gh_n), h' = (1 - z) * n + z * h.  gi (B, 3H), h (B, H).
Var gru_step(const Var& gi, const Var& h, const Var& w_hh, const Var& b_hh);

/// An LSTM's hidden and cell state, each (B, H) (or (layers, B, H) for a whole LSTM).
struct LSTMState {
  Var h;
  Var c;
};

/// LSTM step, gates i, f, g, o of gi + gh:  c' = s(f) * c + s(i) * tanh(g),
/// h' = s(o) * tanh(c').  gi (B, 4H).
LSTMState lstm_step(const Var& gi, const LSTMState& state, const Var& w_hh, const Var& b_hh);

struct RNNCellOptions {
  Index in = 0;
  Index hidden = 0;
  bool bias = true;
};

/// The four parameters of a recurrent cell (PyTorch's names, without a suffix).
struct RNNWeights {
  Var weight_ih;  ///< (G*H, in), G = 3 (GRU) or 4 (LSTM)
  Var weight_hh;  ///< (G*H, H)
  Var bias_ih;    ///< (G*H), undefined without bias
  Var bias_hh;    ///< (G*H), undefined without bias
};

/// The base of the recurrent modules: registers their weights with PyTorch's names and init.
class RecurrentModule : public Module {
 protected:
  /// Registers (for `layer`, named in errors) weight_ih<suffix>, weight_hh<suffix>, bias_ih<suffix>, bias_hh<suffix>
  /// for `gates` gates, each ~ U(-1/sqrt(hidden), 1/sqrt(hidden)).
  RNNWeights register_weights(const char* layer, Index gates, Index in, Index hidden, bool bias,
                              const std::string& suffix, core::Generator& gen);
};

class GRUCell : public RecurrentModule {
 public:
  /// Every parameter ~ U(-1/sqrt(hidden), 1/sqrt(hidden)), PyTorch's default.
  GRUCell(const RNNCellOptions& options, core::Generator& gen);
  /// x (B, in), h (B, hidden) or undefined for zeros -> h' (B, hidden).
  Var forward(const Var& x, const Var& h = {});
  Var operator()(const Var& x, const Var& h = {}) { return forward(x, h); }
  std::string describe() const override;

  const RNNCellOptions options;
  RNNWeights w;
};

class LSTMCell : public RecurrentModule {
 public:
  /// Every parameter ~ U(-1/sqrt(hidden), 1/sqrt(hidden)), PyTorch's default.
  LSTMCell(const RNNCellOptions& options, core::Generator& gen);
  /// x (B, in), state each (B, hidden) or undefined for zeros -> the next state.
  LSTMState forward(const Var& x, const LSTMState& state = {});
  LSTMState operator()(const Var& x, const LSTMState& state = {}) { return forward(x, state); }
  std::string describe() const override;

  const RNNCellOptions options;
  RNNWeights w;
};

}  // namespace xgrad::nn
