#include "xgrad/nn/layers/transformer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

namespace {

TransformerLayerConfig config(const TransformerLayerOptions& o) {
  if (o.activation != Activation::ReLU && o.activation != Activation::GELU)
    throw core::ValueError("Transformer layer: the activation must be ReLU or GELU");
  return {o.nhead, o.layer_norm_eps, o.norm_first, o.activation};
}

MultiheadAttentionOptions attention_options(const TransformerLayerOptions& o) {
  return {.embed_dim = o.d_model, .num_heads = o.nhead, .dropout = o.dropout, .bias = true, .batch_first = true};
}

LayerNormParams<float> params_of(const LayerNorm& n) { return {n.weight, n.bias}; }

// Children named 0, 1, ... (PyTorch's ModuleList), so the stack's names are layers.0.*.
class ModuleList : public Module {
 public:
  template <class M>
  std::shared_ptr<M> add(std::shared_ptr<M> m) {
    return register_module(std::to_string(named_children().size()), std::move(m));
  }
  std::string describe() const override { return "ModuleList"; }
};

}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerLayerOptions& options, core::Generator& gen)
    : options(options), gen_(&gen) {
  config(options);
  self_attn = register_module("self_attn", make<MultiheadAttention>(attention_options(options), gen));
  linear1 = register_module("linear1", make<Linear>(LinearOptions{options.d_model, options.dim_feedforward}, gen));
  linear2 = register_module("linear2", make<Linear>(LinearOptions{options.dim_feedforward, options.d_model}, gen));
  norm1 = register_module("norm1", make<LayerNorm>(LayerNormOptions{{options.d_model}, options.layer_norm_eps}));
  norm2 = register_module("norm2", make<LayerNorm>(LayerNormOptions{{options.d_model}, options.layer_norm_eps}));
}

EncoderLayerParams<float> TransformerEncoderLayer::params() const {
  return {self_attn->params(), {linear1->weight, linear1->bias, linear2->weight, linear2->bias}, params_of(*norm1),
          params_of(*norm2)};
}

Var TransformerEncoderLayer::forward(const Var& x, const Masks& masks) {
  return encoder_layer(x, params(), config(options), masks, {is_training() ? options.dropout : 0.f, gen_});
}

Var TransformerEncoderLayer::forward_cached(const Var& x, Cache& cache) {
  Masks causal;
  causal.causal = true;
  return encoder_layer(x, params(), config(options), causal, {is_training() ? options.dropout : 0.f, gen_}, &cache);
}

std::string TransformerEncoderLayer::describe() const {
  return fmt::format("TransformerEncoderLayer({}, heads {}, ff {}{})", options.d_model, options.nhead,
                     options.dim_feedforward, options.norm_first ? ", pre-norm" : "");
}

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerLayerOptions& options, core::Generator& gen)
    : options(options), gen_(&gen) {
  config(options);
  self_attn = register_module("self_attn", make<MultiheadAttention>(attention_options(options), gen));
  multihead_attn = register_module("multihead_attn", make<MultiheadAttention>(attention_options(options), gen));
  linear1 = register_module("linear1", make<Linear>(LinearOptions{options.d_model, options.dim_feedforward}, gen));
  linear2 = register_module("linear2", make<Linear>(LinearOptions{options.dim_feedforward, options.d_model}, gen));
  for (auto* n : {&norm1, &norm2, &norm3})
    *n = make<LayerNorm>(LayerNormOptions{{options.d_model}, options.layer_norm_eps});
  register_module("norm1", norm1), register_module("norm2", norm2), register_module("norm3", norm3);
}

DecoderLayerParams<float> TransformerDecoderLayer::params() const {
  return {self_attn->params(), multihead_attn->params(),
          {linear1->weight, linear1->bias, linear2->weight, linear2->bias},
          params_of(*norm1), params_of(*norm2), params_of(*norm3)};
}

Var TransformerDecoderLayer::forward(const Var& x, const Var& memory, const Masks& self_masks,
                                     const Masks& memory_masks) {
  return decoder_layer(x, memory, params(), config(options), self_masks, memory_masks,
                       {is_training() ? options.dropout : 0.f, gen_});
}

Var TransformerDecoderLayer::forward_cached(const Var& x, const Var& memory, Cache& cache, const Masks& memory_masks) {
  Masks causal;
  causal.causal = true;
  return decoder_layer(x, memory, params(), config(options), causal, memory_masks,
                       {is_training() ? options.dropout : 0.f, gen_}, &cache);
}

std::string TransformerDecoderLayer::describe() const {
  return fmt::format("TransformerDecoderLayer({}, heads {}, ff {}{})", options.d_model, options.nhead,
                     options.dim_feedforward, options.norm_first ? ", pre-norm" : "");
}

CausalTransformer::CausalTransformer(const CausalTransformerOptions& options, core::Generator& gen)
    : options(options) {
  if (options.num_layers <= 0)
    throw core::ValueError(fmt::format("CausalTransformer: num_layers must be positive, got {}", options.num_layers));
  auto list = register_module("layers", make<ModuleList>());
  for (Index i = 0; i < options.num_layers; ++i)
    layers.push_back(list->add(make<TransformerEncoderLayer>(options.layer, gen)));
  if (options.final_norm)
    norm = register_module("norm", make<LayerNorm>(LayerNormOptions{{options.layer.d_model}, options.layer.layer_norm_eps}));
}

Var CausalTransformer::forward(const Var& x, const Tensor& key_padding) {
  Masks masks;
  masks.causal = true;
  masks.key_padding = key_padding;
  Var h = x;
  for (auto& layer : layers) h = layer->forward(h, masks);
  return norm ? norm->forward(h) : h;
}

Var CausalTransformer::step(const Var& x, std::vector<Cache>& cache) {
  if (cache.size() != layers.size())
    throw core::ValueError(fmt::format("CausalTransformer: {} caches for {} layers", cache.size(), layers.size()));
  Var h = x;
  for (std::size_t i = 0; i < layers.size(); ++i) h = layers[i]->forward_cached(h, cache[i]);
  return norm ? norm->forward(h) : h;
}

std::string CausalTransformer::describe() const {
  return fmt::format("CausalTransformer({} layers)", layers.size());
}

namespace {

void check_positions(const char* what, const Var& x, Index offset, Index embed_dim, Index max_len) {
  if (x.dim() != 3 || x.size(2) != embed_dim)
    throw core::ShapeError(fmt::format("{}: input {} must be (B, L, {})", what, x.shape().str(), embed_dim));
  if (offset < 0 || offset + x.size(1) > max_len)
    throw core::ValueError(fmt::format("{}: positions {} .. {} are outside [0, {})", what, offset,
                                       offset + x.size(1) - 1, max_len));
}

}  // namespace

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(Index embed_dim, Index max_len)
    : embed_dim(embed_dim), max_len(max_len) {
  if (embed_dim <= 0 || max_len <= 0)
    throw core::ValueError(fmt::format("SinusoidalPositionalEncoding: sizes {} and {} must be positive", embed_dim, max_len));
  Tensor t({max_len, embed_dim});
  for (Index pos = 0; pos < max_len; ++pos)
    for (Index i = 0; i < embed_dim; ++i) {
      // Computed in double, as the usual reference implementations' float64 tables.
      const double angle = static_cast<double>(pos) * std::exp(-std::log(10000.0) * static_cast<double>(i - i % 2) /
                                                               static_cast<double>(embed_dim));
      t.data()[pos * embed_dim + i] = static_cast<float>(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  table_ = Var(std::move(t));
}

Var SinusoidalPositionalEncoding::forward(const Var& x, Index offset) const {
  check_positions("SinusoidalPositionalEncoding", x, offset, embed_dim, max_len);
  return x + autograd::slice(table_, 0, offset, offset + x.size(1));
}

std::string SinusoidalPositionalEncoding::describe() const {
  return fmt::format("SinusoidalPositionalEncoding({}, max {})", embed_dim, max_len);
}

LearnedPositionalEncoding::LearnedPositionalEncoding(Index embed_dim, Index max_len, core::Generator& gen)
    : embed_dim(embed_dim), max_len(max_len) {
  if (embed_dim <= 0 || max_len <= 0)
    throw core::ValueError(fmt::format("LearnedPositionalEncoding: sizes {} and {} must be positive", embed_dim, max_len));
  weight = register_parameter("weight", Tensor({max_len, embed_dim}));
  init::normal_(weight, 0.0, 0.02, gen);
}

Var LearnedPositionalEncoding::forward(const Var& x, Index offset) const {
  check_positions("LearnedPositionalEncoding", x, offset, embed_dim, max_len);
  return x + autograd::slice(weight, 0, offset, offset + x.size(1));
}

std::string LearnedPositionalEncoding::describe() const {
  return fmt::format("LearnedPositionalEncoding({}, max {})", embed_dim, max_len);
}

}  // namespace xgrad::nn
