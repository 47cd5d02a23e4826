#include "xgrad/nn/layers/rnn.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::nn {

using namespace autograd;

namespace {

void check_options(const char* layer, const RNNOptions& o) {
  if (o.in <= 0 || o.hidden <= 0 || o.layers <= 0)
    throw core::ValueError(
        fmt::format("{}: in, hidden and layers must be positive, got {}, {} and {}", layer, o.in, o.hidden, o.layers));
}

void check_input(const char* layer, const Var& x, Index in) {
  if (x.dim() != 3 || x.size(2) != in || x.size(1) == 0)
    throw core::ShapeError(
        fmt::format("{}: input of shape {} is not (B, T, {}) with T > 0", layer, x.shape().str(), in));
}

// Per-layer initial states (B, H) from s (layers, B, H), or zeros when s is undefined.
std::vector<Var> initial_states(const char* layer, const char* what, const Var& s, Index layers, Index batch,
                                Index hidden) {
  std::vector<Var> out;
  if (!s.defined()) {
    for (Index l = 0; l < layers; ++l) out.emplace_back(Tensor::zeros({batch, hidden}));
    return out;
  }
  if (s.shape() != Shape{layers, batch, hidden})
    throw core::ShapeError(fmt::format("{}: {} of shape {} is not (layers, B, H) = ({}, {}, {})", layer, what,
                                       s.shape().str(), layers, batch, hidden));
  for (const Var& piece : split(s, std::vector<Index>(static_cast<std::size_t>(layers), 1), 0))
    out.push_back(reshape(piece, {batch, hidden}));
  return out;
}

// Sequences run time-major as rows (T * B, F): then the input gates of all steps come
// from one product, and step t's gates are the contiguous rows [t B, (t + 1) B).
Var time_major_rows(const Var& x) { return reshape(transpose(x, 0, 1), {x.size(0) * x.size(1), x.size(2)}); }

std::vector<Var> input_gates_per_step(const Var& rows, const RNNWeights& w, Index steps, Index batch) {
  return split(linear(rows, w.weight_ih, w.bias_ih), std::vector<Index>(static_cast<std::size_t>(steps), batch), 0);
}

// Rows (T * B, H) back to batch-first (B, T, H).
Var batch_first(const Var& rows, Index steps, Index batch) {
  return transpose(reshape(rows, {steps, batch, rows.size(1)}), 0, 1);
}

}  // namespace

GRU::GRU(const RNNOptions& options, core::Generator& gen) : options(options) {
  check_options("GRU", options);
  for (Index l = 0; l < options.layers; ++l)
    weights.push_back(register_weights("GRU", 3, l == 0 ? options.in : options.hidden, options.hidden, options.bias,
                                       fmt::format("_l{}", l), gen));
}

GRUOutput GRU::forward(const Var& x, const Var& h0) {
  check_input("GRU", x, options.in);
  const Index batch = x.size(0), steps = x.size(1);
  std::vector<Var> finals = initial_states("GRU", "initial hidden state", h0, options.layers, batch, options.hidden);
  Var rows = time_major_rows(x);
  for (std::size_t l = 0; l < weights.size(); ++l) {
    const RNNWeights& w = weights[l];
    std::vector<Var> hs;
    for (const Var& gi : input_gates_per_step(rows, w, steps, batch))
      hs.push_back(finals[l] = gru_step(gi, finals[l], w.weight_hh, w.bias_hh));
    rows = concat(hs, 0);
  }
  return {batch_first(rows, steps, batch), stack(finals, 0)};
}

std::string GRU::describe() const {
  return fmt::format("GRU({} -> {}, {} layer{})", options.in, options.hidden, options.layers,
                     options.layers == 1 ? "" : "s");
}

LSTM::LSTM(const RNNOptions& options, core::Generator& gen) : options(options) {
  check_options("LSTM", options);
  for (Index l = 0; l < options.layers; ++l)
    weights.push_back(register_weights("LSTM", 4, l == 0 ? options.in : options.hidden, options.hidden, options.bias,
                                       fmt::format("_l{}", l), gen));
}

LSTMOutput LSTM::forward(const Var& x, const LSTMState& state0) {
  check_input("LSTM", x, options.in);
  const Index batch = x.size(0), steps = x.size(1), layers = options.layers, hidden = options.hidden;
  std::vector<Var> hs0 = initial_states("LSTM", "initial hidden state", state0.h, layers, batch, hidden);
  std::vector<Var> cs0 = initial_states("LSTM", "initial cell state", state0.c, layers, batch, hidden);
  std::vector<Var> h_final, c_final;
  Var rows = time_major_rows(x);
  for (std::size_t l = 0; l < weights.size(); ++l) {
    const RNNWeights& w = weights[l];
    LSTMState s{hs0[l], cs0[l]};
    std::vector<Var> hs;
    for (const Var& gi : input_gates_per_step(rows, w, steps, batch)) {
      s = lstm_step(gi, s, w.weight_hh, w.bias_hh);
      hs.push_back(s.h);
    }
    h_final.push_back(s.h);
    c_final.push_back(s.c);
    rows = concat(hs, 0);
  }
  return {batch_first(rows, steps, batch), {stack(h_final, 0), stack(c_final, 0)}};
}

std::string LSTM::describe() const {
  return fmt::format("LSTM({} -> {}, {} layer{})", options.in, options.hidden, options.layers,
                     options.layers == 1 ? "" : "s");
}

}  // namespace xgrad::nn
