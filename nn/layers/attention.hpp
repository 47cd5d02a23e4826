#pragma once
// MultiheadAttention with PyTorch's parameters and names (in_proj_weight (3E, E),
// in_proj_bias, out_proj), so state dicts move between the two.
#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/transformer_ops.hpp"

namespace xgrad::nn {

using Masks = AttentionMasks<float>;
using Cache = KvCache<float>;

struct MultiheadAttentionOptions {
  Index embed_dim = 0;
  Index num_heads = 1;
  float dropout = 0.f;  ///< on the attention weights, in training
  bool bias = true;
  bool batch_first = false;  ///< (B, L, E) when true, else (L, B, E), as PyTorch
};

class MultiheadAttention : public Module {
 public:
  /// in_proj_weight ~ Xavier uniform, biases 0, out_proj.weight as Linear: PyTorch's init.
  /// Dropout masks come from `gen`, which must outlive the module.
  MultiheadAttention(const MultiheadAttentionOptions& options, core::Generator& gen);
  /// Attention of query over key/value (PyTorch's forward with need_weights=False).
  Var forward(const Var& query, const Var& key, const Var& value, const Masks& masks = {});
  /// Self-attention of new positions x over the cached ones and themselves; appends to cache.
  Var forward_cached(const Var& x, Cache& cache, const Masks& masks = {});
  /// The parameters as the functional form takes them.
  MhaParams<float> params() const;
  std::string describe() const override;

  const MultiheadAttentionOptions options;
  Var in_proj_weight;  ///< (3E, E)
  Var in_proj_bias;    ///< (3E), undefined without bias
  std::shared_ptr<Linear> out_proj;

 private:
  Var run(const Var& q, const Var& k, const Var& v, const Masks& masks, Cache* cache);
  core::Generator* gen_;
};

}  // namespace xgrad::nn
