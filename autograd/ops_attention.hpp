#pragma once
// Scaled-dot-product attention as one fused op (kernels and formulas in core/attention.hpp).
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/attention.hpp"
#include "xgrad/core/random.hpp"

namespace xgrad::autograd {

using core::AttentionConfig;
using core::AttentionSave;

/// softmax(scale q k^T + masks) v per (batch, head): q (B, H, Lq, d), k (B, H, Lk, d),
/// v (B, H, Lk, dv) -> (B, H, Lq, dv). Masks are in `cfg` (nonzero = masked out; a row
/// with every key masked gives zeros and zero gradients). When cfg.dropout > 0 the
/// weights are dropped with a mask seeded by one draw from `gen` (required then);
/// callers pass dropout 0 outside training. No gradient flows to the masks.
template <class T>
Variable<T> scaled_dot_product_attention(const Variable<T>& q, const Variable<T>& k, const Variable<T>& v,
                                         AttentionConfig<T> cfg = {}, core::Generator* gen = nullptr);

/// Self-attention on a packed in-projection qkv (B, L, 3 E) = [q | k | v] with `heads`
/// heads of E / heads columns: the same values as splitting q, k, v into (B, heads, L, c),
/// scaled_dot_product_attention and merging back to (B, L, E), without the copies.
template <class T>
Variable<T> packed_self_attention(const Variable<T>& qkv, Index heads, AttentionConfig<T> cfg = {},
                                  core::Generator* gen = nullptr);

}  // namespace xgrad::autograd
