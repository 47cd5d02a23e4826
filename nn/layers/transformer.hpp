#pragma once
// Transformer layers with PyTorch's parameter names (TransformerEncoderLayer,
// TransformerDecoderLayer), a causal decoder-only stack with key/value caching for
// generation, and positional encodings. Inputs are batch-first, (B, L, E).
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/attention.hpp"
#include "xgrad/nn/layers/norm.hpp"

namespace xgrad::nn {

struct TransformerLayerOptions {
  Index d_model = 0;
  Index nhead = 1;
  Index dim_feedforward = 2048;
  float dropout = 0.1f;  ///< after attention, inside and after the feed-forward block, on the attention weights
  Activation activation = Activation::ReLU;  ///< ReLU or GELU
  double layer_norm_eps = 1e-5;
  bool norm_first = false;
};

/// Self-attention and feed-forward blocks, each residual, normalised after (post-norm) or
/// before (pre-norm, norm_first). Dropout masks come from `gen`, which must outlive the layer.
class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(const TransformerLayerOptions& options, core::Generator& gen);
  Var forward(const Var& x, const Masks& masks = {});
  /// x: new positions after the cached ones; causal over all of them. Appends to cache.
  Var forward_cached(const Var& x, Cache& cache);
  EncoderLayerParams<float> params() const;
  std::string describe() const override;

  const TransformerLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<LayerNorm> norm1, norm2;

 private:
  core::Generator* gen_;
};

/// Self-attention, cross-attention over `memory` (B, S, E), feed-forward.
class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(const TransformerLayerOptions& options, core::Generator& gen);
  Var forward(const Var& x, const Var& memory, const Masks& self_masks = {}, const Masks& memory_masks = {});
  /// x: new positions after the cached ones (causal self-attention); appends to cache.
  Var forward_cached(const Var& x, const Var& memory, Cache& cache, const Masks& memory_masks = {});
  DecoderLayerParams<float> params() const;
  std::string describe() const override;

  const TransformerLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn, multihead_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;

 private:
  core::Generator* gen_;
};

struct CausalTransformerOptions {
  TransformerLayerOptions layer;
  Index num_layers = 1;
  bool final_norm = true;  ///< a LayerNorm after the last layer (what pre-norm stacks need)
};

/// A decoder-only stack (GPT-like): encoder layers under a causal mask, so position i
/// depends on positions <= i only. `step` feeds new positions one call at a time with a
/// cache per layer and gives what `forward` gives at those positions.
class CausalTransformer : public Module {
 public:
  CausalTransformer(const CausalTransformerOptions& options, core::Generator& gen);
  /// x (B, L, E) -> (B, L, E); key_padding (B, L) optional.
  Var forward(const Var& x, const Tensor& key_padding = {});
  /// One cache per layer, empty before the first step.
  std::vector<Cache> new_cache() const { return std::vector<Cache>(layers.size()); }
  Var step(const Var& x, std::vector<Cache>& cache);
  std::string describe() const override;

  const CausalTransformerOptions options;
  std::vector<std::shared_ptr<TransformerEncoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;  ///< null without final_norm
};

/// Adds PE(pos, 2i) = sin(pos / 10000^(2i / E)), PE(pos, 2i + 1) = cos(...) (Vaswani et al.)
/// to x (B, L, E) at positions offset .. offset + L - 1. No parameters.
class SinusoidalPositionalEncoding : public Module {
 public:
  SinusoidalPositionalEncoding(Index embed_dim, Index max_len);
  Var forward(const Var& x, Index offset = 0) const;
  std::string describe() const override;

  const Index embed_dim, max_len;

 private:
  Var table_;  ///< (max_len, E), a constant
};

/// Adds a learned vector per position, weight (max_len, E) ~ N(0, 0.02^2) (GPT-2's init).
class LearnedPositionalEncoding : public Module {
 public:
  LearnedPositionalEncoding(Index embed_dim, Index max_len, core::Generator& gen);
  Var forward(const Var& x, Index offset = 0) const;
  std::string describe() const override;

  const Index embed_dim, max_len;
  Var weight;
};

}  // namespace xgrad::nn
