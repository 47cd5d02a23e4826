#include "xgrad/models/causal_decoder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::models {

namespace ag = autograd;

nn::TransformerLayerOptions transformer_layer(const CausalDecoderOptions& o) {
  return {.d_model = o.d_model, .nhead = o.heads, .dim_feedforward = o.feedforward, .dropout = o.dropout,
          .activation = nn::Activation::GELU, .norm_first = true};
}

void require_real_steps(const SequenceInput& in, const char* who) {
  if (!in.mask.defined()) return;
  for (Index b = 0; b < in.rows; ++b) {
    const float* m = in.mask.data() + b * in.steps;
    if (std::all_of(m, m + in.steps, [](float v) { return v == 0.f; }))
      throw core::ValueError(fmt::format("{}: row {} of the batch is padding only", who, b));
  }
}

CausalDecoder::CausalDecoder(const CausalDecoderOptions& o, std::shared_ptr<LikelihoodHead> out, core::Generator& gen)
    : options(o) {
  if (o.d_model < 1 || o.heads < 1 || o.d_model % o.heads != 0)
    throw core::ValueError(fmt::format("CausalDecoder: d_model {} must be a positive multiple of heads {}", o.d_model, o.heads));
  if (o.context < 1) throw core::ValueError(fmt::format("CausalDecoder: context must be >= 1 (got {})", o.context));
  embed_ = register_module("embed", nn::make<ValueEmbedding>(o, gen));
  start_ = register_parameter("start", core::normal<float>({o.d_model}, 0.f, 0.02f, gen));
  positions_ = register_module("positions", nn::make<nn::LearnedPositionalEncoding>(o.d_model, o.context, gen));
  stack_ = register_module(
      "stack", nn::make<nn::CausalTransformer>(nn::CausalTransformerOptions{.layer = transformer_layer(o), .num_layers = o.layers}, gen));
  if (!out) out = sequence_head(o.likelihood, o.d_model, o.x_dim, o.classes, o.components, gen);
  out_ = register_module("out", std::move(out));
}

std::string CausalDecoder::describe() const {
  return fmt::format("CausalDecoder(d={}, heads={}, layers={}, context={})", options.d_model, options.heads,
                     options.layers, options.context);
}

Var CausalDecoder::start(Index rows) const { return ag::broadcast_to(start_, {rows, options.d_model}); }

ValueEmbedding::ValueEmbedding(const CausalDecoderOptions& o, core::Generator& gen) {
  if (o.likelihood == VrnnLikelihood::Categorical)
    ids_ = register_module("ids", nn::make<nn::Embedding>(nn::EmbeddingOptions{.num = o.classes, .dim = o.d_model}, gen));
  else
    values_ = register_module("values", nn::make<nn::Linear>(o.x_dim, o.d_model, gen));
}

Var ValueEmbedding::forward(const Tensor& values) const {
  return ids_ ? ids_->forward(values.to<Index>()) : values_->forward(Var(values));
}

Var CausalDecoder::inputs(const Var& first, const Tensor& values, Index offset, const Var& added) const {
  std::vector<Var> parts;
  if (offset == 0) parts.push_back(ag::unsqueeze(first, 1));
  if (values.size(1) > 0) parts.push_back(embed_->forward(values));
  Var x = positions_->forward(parts.size() == 1 ? parts[0] : ag::concat(parts, 1), offset);
  return added.defined() ? ag::add(x, ag::unsqueeze(added, 1)) : x;
}

namespace {

/// Key padding (B, L) of the positions [first, values_0 .. values_{L-2}]: 1 where position j
/// reads a padded value (mask[:, j - 1] == 0); position 0 is never padding.
Tensor shifted_key_padding(const Tensor& mask) {
  const Index rows = mask.size(0), steps = mask.size(1);
  Tensor pad = Tensor::zeros({rows, steps});
  for (Index b = 0; b < rows; ++b)
    for (Index j = 1; j < steps; ++j) pad.data()[b * steps + j] = mask.data()[b * steps + j - 1] == 0.f ? 1.f : 0.f;
  return pad;
}

}  // namespace

Var CausalDecoder::features(const Tensor& values, const Var& first, const Var& added, const Tensor& mask) const {
  const Index rows = values.size(0), steps = values.size(1);
  if (steps > options.context)
    throw core::ValueError(fmt::format("CausalDecoder: {} steps are more than its context of {}", steps, options.context));
  const Var f = first.defined() ? first : start(rows);
  const Var x = inputs(f, core::narrow(values, 1, 0, steps - 1), 0, added);
  return mask.defined() ? stack_->forward(x, shifted_key_padding(mask)) : stack_->forward(x);
}

Tensor CausalDecoder::unroll(Index n, const Tensor& prefix, Index length, const Pick& pick, const Var& first,
                             const Var& added) {
  ag::NoGradGuard no_grad;
  const Var f = first.defined() ? first : start(n);
  const Index context = options.context;
  Tensor values = prefix.defined() ? prefix : Tensor(text() ? core::Shape{n, 0} : core::Shape{n, 0, options.x_dim});
  std::vector<nn::Cache> cache = stack_->new_cache();
  Index cached = 0;  // positions in the cache
  for (Index i = 0; i < length; ++i) {
    const Index T = values.size(1);  // the next value is read at position T
    Var h;
    if (T + 1 <= context) {  // new positions [cached, T] read values [cached - 1, T - 1]
      const Index from = cached == 0 ? 0 : cached - 1;
      h = stack_->step(inputs(f, core::narrow(values, 1, from, T - from), cached, added), cache);
      cached = T + 1;
    } else {  // the last `context` positions: [first, the last context - 1 values]
      h = stack_->forward(inputs(f, core::narrow(values, 1, T - context + 1, context - 1), 0, added));
    }
    const Var last = ag::squeeze(ag::narrow(h, 1, h.size(1) - 1, 1), 1);
    values = core::concat(std::vector<Tensor>{values, core::unsqueeze(pick(*out_->distribution(last)), 1)}, 1);
  }
  return values;
}

}  // namespace xgrad::models
