#pragma once
// The Transformer's computations as functions of Variable<T>, for float and double:
// one source of truth that the modules (attention.hpp, transformer.hpp) call with their
// float parameters, and that the parity tests call in double with PyTorch's weights.
// Layouts are batch-first: (B, L, E).
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/activation.hpp"

namespace xgrad::nn {

/// Masks of one attention call; an entry that is nonzero is masked out, as PyTorch's boolean masks.
template <class T>
struct AttentionMasks {
  core::Tensor<T> key_padding;  ///< (B, S), PyTorch's key_padding_mask, or undefined
  core::Tensor<T> attn_mask;    ///< (L, S) or (B * heads, L, S), PyTorch's boolean attn_mask, or undefined
  bool causal = false;          ///< query i sees keys j <= i + S - L (the queries are the last L positions)
};

/// Dropout of one forward: probability 0 outside training; masks drawn from `gen`.
template <class T>
struct Dropping {
  T p = T(0);
  core::Generator* gen = nullptr;
};

/// PyTorch's MultiheadAttention parameters: in_w (3E, E) packs [W_q; W_k; W_v].
template <class T>
struct MhaParams {
  autograd::Variable<T> in_w, in_b, out_w, out_b;  // biases may be undefined
};

/// Keys and values of the positions seen so far, (B, heads, S, E / heads), for generating
/// one step at a time: a self-attention call with a cache appends its new keys and values.
template <class T>
struct KvCache {
  autograd::Variable<T> k, v;
  core::Index length() const { return k.defined() ? k.size(2) : 0; }
};

/// Multi-head attention (PyTorch's multi_head_attention_forward, batch-first):
/// query (B, L, E), key and value (B, S, E) -> (B, L, E). With a cache, key and value
/// must be the query (self-attention over the cached positions and the new ones).
template <class T>
autograd::Variable<T> multi_head_attention(const autograd::Variable<T>& query, const autograd::Variable<T>& key,
                                           const autograd::Variable<T>& value, const MhaParams<T>& w,
                                           core::Index heads, const AttentionMasks<T>& masks, Dropping<T> drop,
                                           KvCache<T>* cache = nullptr);

/// (x - mean) / sqrt(var + eps) * w + b over the last axis (biased variance); w, b may be undefined.
template <class T>
autograd::Variable<T> layer_norm(const autograd::Variable<T>& x, const autograd::Variable<T>& w,
                                 const autograd::Variable<T>& b, double eps, int axes = 1);

template <class T>
struct LayerNormParams {
  autograd::Variable<T> w, b;
};
template <class T>
struct FeedForwardParams {
  autograd::Variable<T> w1, b1, w2, b2;  ///< linear1 (ff, E), linear2 (E, ff)
};
template <class T>
struct EncoderLayerParams {
  MhaParams<T> self_attn;
  FeedForwardParams<T> ff;
  LayerNormParams<T> norm1, norm2;
};
template <class T>
struct DecoderLayerParams {
  MhaParams<T> self_attn, cross_attn;
  FeedForwardParams<T> ff;
  LayerNormParams<T> norm1, norm2, norm3;
};

/// What shapes a Transformer layer's computation (PyTorch's constructor arguments).
struct TransformerLayerConfig {
  core::Index heads = 1;
  double eps = 1e-5;
  bool norm_first = false;  ///< pre-norm: x + f(norm(x)); post-norm: norm(x + f(x))
  Activation activation = Activation::ReLU;  ///< ReLU or GELU
};

/// PyTorch's TransformerEncoderLayer: self-attention block, then feed-forward block.
template <class T>
autograd::Variable<T> encoder_layer(const autograd::Variable<T>& x, const EncoderLayerParams<T>& p,
                                    const TransformerLayerConfig& c, const AttentionMasks<T>& masks, Dropping<T> drop,
                                    KvCache<T>* cache = nullptr);

/// PyTorch's TransformerDecoderLayer: self-attention, cross-attention over memory (B, S, E),
/// feed-forward. The cache, if any, serves the self-attention.
template <class T>
autograd::Variable<T> decoder_layer(const autograd::Variable<T>& x, const autograd::Variable<T>& memory,
                                    const DecoderLayerParams<T>& p, const TransformerLayerConfig& c,
                                    const AttentionMasks<T>& self_masks, const AttentionMasks<T>& memory_masks,
                                    Dropping<T> drop, KvCache<T>* cache = nullptr);

}  // namespace xgrad::nn
