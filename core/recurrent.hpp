#pragma once
// Fused recurrent-cell kernels: the gate arithmetic of one step in one pass, after
// the two matrix products. One pass instead of a dozen small element-wise ops is
// what makes an unrolled recurrence cheap (each small op costs an allocation and a
// memory pass, and a 32x64 step is too small for anything else to matter).
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// GRU step from gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh, both (B, 3H) in
/// PyTorch's gate order (r, z, n), and h (B, H):
///   r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r gh_n),
///   h' = (1 - z) n + z h, computed as n + z (h - n).
/// Returns h' (B, H) and writes `gates` (B, 3H) = [r, z, n], what the backward needs.
template <class T>
Tensor<T> gru_cell_forward(const Tensor<T>& gi, const Tensor<T>& gh, const Tensor<T>& h, Tensor<T>& gates);

/// Gradients of gru_cell_forward given dh' (B, H), the saved gates and gh:
///   dh = dh' z, dz~ = dh' (h - n) z (1 - z), dn~ = dh' (1 - z)(1 - n^2), dr~ = dn~ gh_n r (1 - r);
///   dgi = [dr~, dz~, dn~], dgh = [dr~, dz~, dn~ r].
/// Each output that is not null is overwritten, or added into when its `add` flag is set.
template <class T>
void gru_cell_backward(const Tensor<T>& grad, const Tensor<T>& gates, const Tensor<T>& gh, const Tensor<T>& h,
                       Tensor<T>* dgi, bool add_dgi, Tensor<T>* dgh, bool add_dgh, Tensor<T>* dh, bool add_dh);

}  // namespace xgrad::core
