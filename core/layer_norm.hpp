#pragma once
// Layer normalisation over the last n elements of each row, as one pass per row:
//   y = (x - mean) rstd w + b,  rstd = 1 / sqrt(var + eps)  (var with no correction).
// Backward (per row, xhat = (x - mean) rstd, g = dy w):
//   dx = rstd (g - mean(g) - xhat mean(g xhat)),  dw = sum_rows dy xhat,  db = sum_rows dy.
// Composed from mean, var, sub, mul and add it took ~8 passes and as many temporaries
// each way; a Transformer step calls it twice per layer.
#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// The per-row statistics the backward needs, (rows) each.
template <class T>
struct LayerNormStats {
  Tensor<T> mean, rstd;
};

/// y for x whose numel is a multiple of n; w and b (n elements) may be undefined.
template <class T>
Tensor<T> layer_norm_forward(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, Index n, T eps,
                             LayerNormStats<T>& stats);

/// Gradients for gy = dy. Each output that is not null is overwritten, or added into when its
/// `add` flag is set; dw and db are summed over rows in a fixed order whatever the threads.
template <class T>
void layer_norm_backward(const Tensor<T>& gy, const Tensor<T>& x, const Tensor<T>& w, Index n,
                         const LayerNormStats<T>& stats, Tensor<T>* dx, bool add_dx, Tensor<T>* dw, bool add_dw,
                         Tensor<T>* db, bool add_db);

}  // namespace xgrad::core
