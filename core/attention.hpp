#pragma once
// Scaled-dot-product attention kernels: for each (batch, head) entry,
//   S = scale Q K^T (masked entries -inf),  P = softmax_rows(S),  O = dropout(P) V,
// with Q (Lq, d), K (Lk, d), V (Lk, dv). The entries run in parallel over (b, h); each
// entry's three products are BLAS GEMMs and its row softmax one vectorised pass, so the
// only (Lq, Lk) memory is either the saved P or one scratch per thread.
//
// Backward (per entry, with Pd = dropout(P) and D_i = dO_i . O_i):
//   dV = Pd^T dO,  dPd = dO V^T,  dP = dropout_mask(dPd),  dS = P (dP - D),
//   dQ = scale dS K,  dK = scale dS^T Q.
// D = rowsum(dO * O) equals rowsum(P * dP) (also with dropout), so the backward needs
// neither a second (Lq, Lk) reduction nor the dropped P.
#include <cstdint>

#include "xgrad/core/tensor.hpp"

namespace xgrad::core {

/// What the backward keeps of the forward's probabilities. Measured at seq 256 (bench/README.md,
/// BM_AttentionForwardBackward): keeping P was faster in 7 of 8 runs (median ~8%), so it is the
/// default; LogSumExp keeps 1/Lk of that memory for long sequences, at the cost of one GEMM and
/// the exps again per entry.
enum class AttentionSave {
  Probs,      ///< P itself, (B, H, Lq, Lk): the backward skips one GEMM and the exps
  LogSumExp,  ///< log-sum-exp per row, (B, H, Lq): the backward recomputes P entry by entry
};

/// Masks and options of one attention call. A mask entry that is nonzero is masked out
/// (never attended), as PyTorch's boolean masks.
template <class T>
struct AttentionConfig {
  /// Query i sees keys j <= i + (Lk - Lq): the queries are the last Lq positions of the
  /// keys' sequence (bottom-right alignment; the same as PyTorch's tril mask when Lq == Lk).
  bool causal = false;
  Tensor<T> key_padding;  ///< (B, Lk) or undefined
  /// Broadcastable to (B, H, Lq, Lk) (NumPy rules: (Lq, Lk), (B, 1, Lq, Lk), ...) or undefined.
  Tensor<T> attn_mask;
  T scale = T(0);  ///< 0: 1 / sqrt(d)
  /// Probability of zeroing a weight of P (the rest scaled by 1 / (1 - p)); the mask of
  /// entry e is drawn from a Generator seeded with (dropout_seed, e), so the backward
  /// draws it again instead of keeping it, and the bits do not depend on the threads.
  T dropout = T(0);
  std::uint64_t dropout_seed = 0;
  /// The index of entry 0 (batch row b, head h is entry b * H + h) in the whole batch: a
  /// data-parallel shard's first row times H, so that shards together drop what one
  /// process holding the whole batch drops.
  Index dropout_first_entry = 0;
  AttentionSave save = AttentionSave::Probs;
};

/// What the forward leaves for the backward: P or the row log-sum-exps (-inf for a
/// fully masked row, whose output and gradients are zero).
template <class T>
struct AttentionSaved {
  Tensor<T> probs;  ///< (B, H, Lq, Lk) when saved
  Tensor<T> lse;    ///< (B, H, Lq)
};

/// O (B, H, Lq, dv) for q (B, H, Lq, d), k (B, H, Lk, d), v (B, H, Lk, dv).
/// A row whose keys are all masked gives zeros (PyTorch gives NaN there).
template <class T>
Tensor<T> attention_forward(const Tensor<T>& q, const Tensor<T>& k, const Tensor<T>& v, const AttentionConfig<T>& cfg,
                            AttentionSaved<T>& saved);

/// Gradients for gy = dO. Each output that is not null is overwritten, or added into
/// when its `add` flag is set.
template <class T>
void attention_backward(const Tensor<T>& gy, const Tensor<T>& q, const Tensor<T>& k, const Tensor<T>& v,
                        const Tensor<T>& out, const AttentionConfig<T>& cfg, const AttentionSaved<T>& saved,
                        Tensor<T>* dq, bool add_dq, Tensor<T>* dk, bool add_dk, Tensor<T>* dv, bool add_dv);

/// Self-attention on a packed in-projection qkv (B, L, 3 E) = [q | k | v], each E = heads * c
/// wide: the GEMMs read each head's columns in place (rows 3 E apart) and write O as
/// (B, L, E) with the heads side by side, what the out-projection reads. Splitting and
/// merging heads as copies (reshape + permute both ways) was ~8% of a Transformer step.
/// The same values as split heads through attention_forward, to the bit.
template <class T>
Tensor<T> attention_packed_forward(const Tensor<T>& qkv, Index heads, const AttentionConfig<T>& cfg,
                                   AttentionSaved<T>& saved);

/// dqkv (qkv's shape) for gy = dO, overwritten or added into when `add` is set.
template <class T>
void attention_packed_backward(const Tensor<T>& gy, const Tensor<T>& qkv, const Tensor<T>& out, Index heads,
                               const AttentionConfig<T>& cfg, const AttentionSaved<T>& saved, Tensor<T>& dqkv,
                               bool add);

}  // namespace xgrad::core
