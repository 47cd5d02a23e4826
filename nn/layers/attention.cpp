#include "xgrad/nn/layers/attention.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

MultiheadAttention::MultiheadAttention(const MultiheadAttentionOptions& options, core::Generator& gen)
    : options(options), gen_(&gen) {
  const Index E = options.embed_dim;
  if (E <= 0 || options.num_heads <= 0 || E % options.num_heads != 0)
    throw core::ValueError(fmt::format("MultiheadAttention: embed_dim {} must be a positive multiple of num_heads {}",
                                       E, options.num_heads));
  if (!(options.dropout >= 0.f && options.dropout < 1.f))
    throw core::ValueError(fmt::format("MultiheadAttention: dropout {} is outside [0, 1)", options.dropout));
  in_proj_weight = register_parameter("in_proj_weight", Tensor({3 * E, E}));
  init::xavier_uniform_(in_proj_weight, gen);
  if (options.bias) in_proj_bias = register_parameter("in_proj_bias", Tensor::zeros({3 * E}));
  out_proj = register_module("out_proj", make<Linear>(LinearOptions{E, E, options.bias}, gen));
  if (options.bias) init::zeros_(out_proj->bias);
}

MhaParams<float> MultiheadAttention::params() const {
  return {in_proj_weight, in_proj_bias, out_proj->weight, out_proj->bias};
}

Var MultiheadAttention::run(const Var& q, const Var& k, const Var& v, const Masks& masks, Cache* cache) {
  const Dropping<float> drop{is_training() ? options.dropout : 0.f, gen_};
  if (options.batch_first) return multi_head_attention(q, k, v, params(), options.num_heads, masks, drop, cache);
  // (L, B, E): attend batch-first and swap back. One input passed three times stays one.
  const Var qb = autograd::transpose(q, 0, 1);
  const Var kb = k.node() == q.node() ? qb : autograd::transpose(k, 0, 1);
  const Var vb = v.node() == k.node() ? kb : autograd::transpose(v, 0, 1);
  return autograd::transpose(multi_head_attention(qb, kb, vb, params(), options.num_heads, masks, drop, cache), 0, 1);
}

Var MultiheadAttention::forward(const Var& query, const Var& key, const Var& value, const Masks& masks) {
  return run(query, key, value, masks, nullptr);
}

Var MultiheadAttention::forward_cached(const Var& x, Cache& cache, const Masks& masks) {
  return run(x, x, x, masks, &cache);
}

std::string MultiheadAttention::describe() const {
  return fmt::format("MultiheadAttention({}, heads {})", options.embed_dim, options.num_heads);
}

}  // namespace xgrad::nn
