#pragma once
// VectorQuantizer (van den Oord et al. 2017): maps each row z of (N, D) to its
// nearest codebook vector e_k (squared Euclidean distance), passes the gradient
// straight through to z, and adds the codebook loss ||sg[z] - e||^2 and the
// commitment loss beta ||z - sg[e]||^2 — or, with `ema`, moves the codebook to
// exponential moving averages of its assigned rows instead (Razavi et al. 2019;
// decay 0.99, Laplace-smoothed counts). Codes no row chose since the last restart
// can be restarted at random rows of a batch (seeded), so that none stays dead.
#include <cstdint>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct VectorQuantizerOptions {
  Index codes = 128;      ///< K, codebook entries
  Index dim = 64;         ///< D, size of each entry
  double beta = 0.25;     ///< commitment weight
  bool ema = false;       ///< EMA codebook updates instead of the codebook loss
  double decay = 0.99;    ///< EMA decay
  double epsilon = 1e-5;  ///< Laplace smoothing of the EMA counts
};

struct Quantized {
  Var z_q;       ///< (N, D) the nearest codes in the forward pass; gradient goes straight to z
  Var loss;      ///< scalar: per-row mean of codebook + beta * commitment (EMA: commitment only)
  core::IndexTensor codes;  ///< (N) the chosen entries
  double perplexity = 0;    ///< exp(entropy of the batch's code frequencies)
};

class VectorQuantizer : public Module {
 public:
  /// Codebook ~ U(-1/K, 1/K) as in the paper's reference code.
  VectorQuantizer(const VectorQuantizerOptions& options, core::Generator& gen);
  /// z (N, D). In training mode counts usage and, with `ema`, updates the codebook.
  Quantized forward(const Var& z);
  /// (N) nearest entry of each row: argmin_k ||z||^2 - 2 z.e_k + ||e_k||^2, one GEMM.
  core::IndexTensor nearest(const Tensor& z) const;
  /// (N, D) the entries at `codes`; ValueError for a code outside [0, K).
  Tensor lookup(const core::IndexTensor& codes) const;
  /// Moves every entry unused since the last restart to a distinct random row of z
  /// (N, D) (fewer if N is smaller), resets the usage counts and returns how many moved.
  Index restart_dead_codes(const Tensor& z, core::Generator& gen);
  /// Rows assigned to each entry since the last restart (training forwards only).
  const Tensor& usage() const { return usage_.value(); }
  std::string describe() const override;

  const VectorQuantizerOptions options;
  Var codebook;  ///< (K, D): a parameter, or a buffer under `ema`

 private:
  void ema_update(const Tensor& z, const core::IndexTensor& codes);
  Var usage_;      ///< (K)
  Var ema_count_;  ///< (K) decayed counts (EMA only)
  Var ema_sum_;    ///< (K, D) decayed sums of assigned rows (EMA only)
};

/// exp(-sum p log p) of the frequencies of `codes` among K entries.
double perplexity(const core::IndexTensor& codes, Index num_codes);

/// z + sg[q - z]: the value of q with the gradient of z (the straight-through estimator).
template <class T>
autograd::Variable<T> straight_through(const autograd::Variable<T>& z, const core::Tensor<T>& q);

}  // namespace xgrad::nn
