#pragma once
// Fused recurrent-cell ops: one graph node per step for the gate arithmetic, with a
// hand-written backward (see core/recurrent.hpp for the formulas).
#include "xgrad/autograd/variable.hpp"

namespace xgrad::autograd {

/// GRU state update h' = (1 - z) n + z h from the gate products gi = x W_ih^T + b_ih and
/// gh = h W_hh^T + b_hh, both (B, 3H) in the order (r, z, n), and the state h (B, H):
/// r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r gh_n).
template <class T>
Variable<T> gru_cell(const Variable<T>& gi, const Variable<T>& gh, const Variable<T>& h);

}  // namespace xgrad::autograd
