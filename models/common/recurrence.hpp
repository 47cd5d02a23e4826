#pragma once
// The recurrence the sequence models (Vrnn, RnnLm) share: a GRU or an LSTM cell
// behind one step function, and the state it carries, so a model holds "its cell"
// without branching on which one it is.
#include <memory>
#include <string>
#include <variant>

#include "xgrad/nn/layers/rnn_cell.hpp"

namespace xgrad::models {

using nn::Index;
using nn::Var;

enum class RecurrentCell { GRU, LSTM };

/// What a recurrent model carries from step to step: h, and c for an LSTM (undefined for a GRU).
struct RecurrentState {
  Var h;
  Var c;
  bool defined() const { return h.defined(); }
  /// The same values cut from the graph: the next window does not backpropagate into this one.
  RecurrentState detached() const { return {h.defined() ? h.detach() : Var(), c.defined() ? c.detach() : Var()}; }
};

/// `next` in the rows where keep (B, 1) is 1 and `prev` where it is 0, so a padded step leaves
/// its row's state as it was; `next` when keep is undefined (nothing padded).
RecurrentState keep_rows(const nn::Tensor& keep, const RecurrentState& next, const RecurrentState& prev);

/// A GRU or an LSTM cell. The model registers module() under the name its files use.
class Recurrence {
 public:
  Recurrence() = default;
  /// Draws the cell's weights from `gen` (as nn::GRUCell / nn::LSTMCell do).
  Recurrence(RecurrentCell kind, const nn::RNNCellOptions& options, core::Generator& gen);

  /// x (B, in), s -> the state after one step.
  RecurrentState step(const Var& x, const RecurrentState& s) const;
  /// The zero state of `rows` rows (c too for an LSTM).
  RecurrentState zeros(Index rows) const;
  /// Where a pass over `rows` rows starts: `given` (ShapeError unless its h is (rows, hidden)),
  /// or zeros when it is undefined.
  RecurrentState start(Index rows, const RecurrentState& given) const;
  std::shared_ptr<nn::Module> module() const;
  /// "GRU" or "LSTM".
  std::string name() const;

 private:
  Index hidden() const;
  bool lstm() const { return std::holds_alternative<std::shared_ptr<nn::LSTMCell>>(cell_); }
  std::variant<std::shared_ptr<nn::GRUCell>, std::shared_ptr<nn::LSTMCell>> cell_;
};

}  // namespace xgrad::models
