#include "xgrad/nn/layers/transformer_ops.hpp"

#include <fmt/format.h>

#include <array>

#include "xgrad/autograd/ops_attention.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/autograd/ops_linalg.hpp"
#include "xgrad/autograd/ops_norm.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::nn {

using autograd::Variable;
namespace ag = xgrad::autograd;

namespace {

// (B, L, E) -> (B, heads, L, E / heads)
template <class T>
Variable<T> split_heads(const Variable<T>& x, Index heads) {
  return ag::permute(ag::reshape(x, Shape{x.size(0), x.size(1), heads, x.size(2) / heads}), {0, 2, 1, 3});
}

// (B, heads, L, hd) -> (B, L, heads * hd)
template <class T>
Variable<T> merge_heads(const Variable<T>& x) {
  return ag::reshape(ag::permute(x, {0, 2, 1, 3}), Shape{x.size(0), x.size(2), x.size(1) * x.size(3)});
}

template <class T>
Variable<T> rows(const Variable<T>& t, Index start, Index count) {
  return t.defined() ? ag::slice(t, 0, start, start + count) : t;
}

// q, k, v projections: one product when the three inputs are one (self-attention).
template <class T>
std::array<Variable<T>, 3> project(const Variable<T>& query, const Variable<T>& key, const Variable<T>& value,
                                   const MhaParams<T>& w, Index E) {
  if (query.node() == key.node() && key.node() == value.node()) {
    auto qkv = ag::split(ag::linear(query, w.in_w, w.in_b), {E, E, E}, -1);
    return {qkv[0], qkv[1], qkv[2]};
  }
  return {ag::linear(query, rows(w.in_w, 0, E), rows(w.in_b, 0, E)),
          ag::linear(key, rows(w.in_w, E, E), rows(w.in_b, E, E)),
          ag::linear(value, rows(w.in_w, 2 * E, E), rows(w.in_b, 2 * E, E))};
}

template <class T>
void check_mha(const Variable<T>& query, const Variable<T>& key, const Variable<T>& value, const MhaParams<T>& w,
               Index heads, const KvCache<T>* cache) {
  const Index E = w.in_w.size(1);
  if (query.dim() != 3 || key.dim() != 3 || value.dim() != 3 || query.size(2) != E || key.size(2) != E ||
      value.size(2) != E || key.size(0) != query.size(0) || key.shape() != value.shape())
    throw core::ShapeError(fmt::format("MultiheadAttention: query {}, key {} and value {} must be (B, L, {}) and (B, S, {})",
                                       query.shape().str(), key.shape().str(), value.shape().str(), E, E));
  if (heads <= 0 || E % heads != 0)
    throw core::ValueError(fmt::format("MultiheadAttention: embed_dim {} is not divisible by {} heads", E, heads));
  if (cache && !(query.node() == key.node() && key.node() == value.node()))
    throw core::ValueError("MultiheadAttention: a key/value cache serves self-attention only");
}

template <class T>
ag::AttentionConfig<T> attention_config(const AttentionMasks<T>& masks, const Dropping<T>& drop, Index B, Index heads,
                                        Index L, Index S) {
  ag::AttentionConfig<T> cfg;
  cfg.causal = masks.causal;
  cfg.key_padding = masks.key_padding;
  if (masks.attn_mask.defined())  // (B * heads, L, S) is read as (B, heads, L, S)
    cfg.attn_mask = masks.attn_mask.dim() == 3 ? masks.attn_mask.reshape(Shape{B, heads, L, S}) : masks.attn_mask;
  cfg.dropout = drop.p;
  // P is recomputed in the backward from the row log-sum-exps rather than kept: (B, heads,
  // L, S) less memory per layer, and the Transformer VAE step ~1 ms (2 %) faster (paired
  // rounds, bench/README.md session 24) though the attention alone is slower at seq 64:
  // the 2 MiB a layer that P took was written and read back from memory.
  cfg.save = ag::AttentionSave::LogSumExp;
  return cfg;
}

}  // namespace

namespace {

// Multi-head attention up to its out-projection's input: the heads merged (B, L, E).
template <class T>
Variable<T> attention_heads(const Variable<T>& query, const Variable<T>& key, const Variable<T>& value,
                            const MhaParams<T>& w, Index heads, const AttentionMasks<T>& masks, Dropping<T> drop,
                            KvCache<T>* cache) {
  check_mha(query, key, value, w, heads, cache);
  const Index E = w.in_w.size(1), B = query.size(0), L = query.size(1);
  if (!cache && query.node() == key.node() && key.node() == value.node()) {
    // Self-attention reads its heads in place from the one in-projection (B, L, 3 E): the
    // split and merge copies were ~8% of a Transformer step.
    return ag::packed_self_attention(ag::linear(query, w.in_w, w.in_b), heads,
                                     attention_config(masks, drop, B, heads, L, L), drop.gen);
  }
  auto [q, k, v] = project(query, key, value, w, E);
  q = split_heads(q, heads), k = split_heads(k, heads), v = split_heads(v, heads);
  if (cache) {
    if (cache->length() > 0) k = ag::concat<T>({cache->k, k}, 2), v = ag::concat<T>({cache->v, v}, 2);
    cache->k = k, cache->v = v;
  }
  return merge_heads(ag::scaled_dot_product_attention(q, k, v, attention_config(masks, drop, B, heads, L, k.size(2)),
                                                      drop.gen));
}

}  // namespace

template <class T>
Variable<T> multi_head_attention(const Variable<T>& query, const Variable<T>& key, const Variable<T>& value,
                                 const MhaParams<T>& w, Index heads, const AttentionMasks<T>& masks, Dropping<T> drop,
                                 KvCache<T>* cache) {
  return ag::linear(attention_heads(query, key, value, w, heads, masks, drop, cache), w.out_w, w.out_b);
}

template <class T>
Variable<T> layer_norm(const Variable<T>& x, const Variable<T>& w, const Variable<T>& b, double eps, int axes) {
  return ag::layer_norm(x, w, b, eps, axes);  // one fused node: composed, it was ~8 passes each way
}

namespace {

template <class T>
Variable<T> dropout(const Variable<T>& x, const Dropping<T>& d) {
  // The hashed mask: core::bernoulli's per-element draws were ~15% of an encoder layer's step.
  return d.p > T(0) ? ag::hashed_dropout(x, d.p, *d.gen) : x;
}

template <class T>
Variable<T> norm(const Variable<T>& x, const LayerNormParams<T>& p, const TransformerLayerConfig& c) {
  return ag::layer_norm(x, p.w, p.b, c.eps);
}

// The feed-forward's hidden activations, dropped out (the input of its second linear).
template <class T>
Variable<T> feed_forward_hidden(const Variable<T>& x, const FeedForwardParams<T>& p, const TransformerLayerConfig& c,
                                const Dropping<T>& d) {
  return dropout(c.activation == Activation::ReLU ? ag::linear_relu(x, p.w1, p.b1) : ag::linear_gelu(x, p.w1, p.b1), d);
}

template <class T>
Variable<T> feed_forward(const Variable<T>& x, const FeedForwardParams<T>& p, const TransformerLayerConfig& c,
                         const Dropping<T>& d) {
  return dropout(ag::linear(feed_forward_hidden(x, p, c, d), p.w2, p.b2), d);
}

// x + dropout(linear(h, w, b)): one node when there is no dropout (the add rides in the
// linear's bias seeding; the residual adds were ~0.7 % of the Transformer VAE step).
template <class T>
Variable<T> add_linear(const Variable<T>& x, const Variable<T>& h, const Variable<T>& w, const Variable<T>& b,
                       const Dropping<T>& d) {
  return d.p > T(0) ? x + dropout(ag::linear(h, w, b), d) : ag::linear_residual(x, h, w, b);
}

// x + f(norm(x)) (pre-norm) or norm(x + f(x)) (post-norm).
template <class T, class F>
Variable<T> residual(const Variable<T>& x, const LayerNormParams<T>& n, const TransformerLayerConfig& c, const F& f) {
  return c.norm_first ? x + f(norm(x, n, c)) : norm(x + f(x), n, c);
}

void check_activation(const TransformerLayerConfig& c) {
  if (c.activation != Activation::ReLU && c.activation != Activation::GELU)
    throw core::ValueError("Transformer layer: the activation must be ReLU or GELU");
}

}  // namespace

template <class T>
Variable<T> encoder_layer(const Variable<T>& x, const EncoderLayerParams<T>& p, const TransformerLayerConfig& c,
                          const AttentionMasks<T>& masks, Dropping<T> drop, KvCache<T>* cache) {
  check_activation(c);
  // x + f(norm(x)) (pre-norm) or norm(x + f(x)) (post-norm), each f ending in a linear
  // whose output the residual add takes in (add_linear).
  const auto block = [&](const Variable<T>& in, const LayerNormParams<T>& n, const auto& hidden, const Variable<T>& w,
                         const Variable<T>& b) {
    return c.norm_first ? add_linear(in, hidden(norm(in, n, c)), w, b, drop)
                        : norm(add_linear(in, hidden(in), w, b, drop), n, c);
  };
  const Variable<T> y = block(x, p.norm1, [&](const Variable<T>& h) {
    return attention_heads(h, h, h, p.self_attn, c.heads, masks, drop, cache);
  }, p.self_attn.out_w, p.self_attn.out_b);
  return block(y, p.norm2, [&](const Variable<T>& h) { return feed_forward_hidden(h, p.ff, c, drop); }, p.ff.w2,
               p.ff.b2);
}

template <class T>
Variable<T> decoder_layer(const Variable<T>& x, const Variable<T>& memory, const DecoderLayerParams<T>& p,
                          const TransformerLayerConfig& c, const AttentionMasks<T>& self_masks,
                          const AttentionMasks<T>& memory_masks, Dropping<T> drop, KvCache<T>* cache) {
  check_activation(c);
  Variable<T> y = residual(x, p.norm1, c, [&](const Variable<T>& h) {
    return dropout(multi_head_attention(h, h, h, p.self_attn, c.heads, self_masks, drop, cache), drop);
  });
  y = residual(y, p.norm2, c, [&](const Variable<T>& h) {
    return dropout(multi_head_attention(h, memory, memory, p.cross_attn, c.heads, memory_masks, drop), drop);
  });
  return residual(y, p.norm3, c, [&](const Variable<T>& h) { return feed_forward(h, p.ff, c, drop); });
}

#define XGRAD_INSTANTIATE(T)                                                                                        \
  template Variable<T> multi_head_attention(const Variable<T>&, const Variable<T>&, const Variable<T>&,             \
                                            const MhaParams<T>&, Index, const AttentionMasks<T>&, Dropping<T>,      \
                                            KvCache<T>*);                                                           \
  template Variable<T> layer_norm(const Variable<T>&, const Variable<T>&, const Variable<T>&, double, int);         \
  template Variable<T> encoder_layer(const Variable<T>&, const EncoderLayerParams<T>&, const TransformerLayerConfig&, \
                                     const AttentionMasks<T>&, Dropping<T>, KvCache<T>*);                           \
  template Variable<T> decoder_layer(const Variable<T>&, const Variable<T>&, const DecoderLayerParams<T>&,          \
                                     const TransformerLayerConfig&, const AttentionMasks<T>&,                       \
                                     const AttentionMasks<T>&, Dropping<T>, KvCache<T>*);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::nn
