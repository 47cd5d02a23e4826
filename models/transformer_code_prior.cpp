#include "xgrad/models/transformer_code_prior.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/models/common/token_sampling.hpp"

namespace xgrad::models {

namespace ag = xgrad::autograd;

namespace {

CausalDecoderOptions decoder_options(const TransformerCodePriorOptions& o) {
  if (o.codes < 2 || o.positions < 1 || o.d_model < 1 || o.heads < 1 || o.layers < 1 || o.d_model % o.heads != 0)
    throw core::ValueError(fmt::format("TransformerCodePrior: needs codes >= 2, positive sizes and heads dividing "
                                       "d_model (got codes {}, {} positions, d_model {}, {} heads, {} layers)",
                                       o.codes, o.positions, o.d_model, o.heads, o.layers));
  return {.likelihood = VrnnLikelihood::Categorical, .classes = o.codes, .d_model = o.d_model, .heads = o.heads,
          .layers = o.layers, .feedforward = 4 * o.d_model, .dropout = o.dropout, .context = o.positions};
}

}  // namespace

TransformerCodePrior::TransformerCodePrior(const TransformerCodePriorOptions& o, core::Generator& gen) : options(o) {
  decoder_ = register_module("decoder", nn::make<CausalDecoder>(decoder_options(o), nullptr, gen));
}

Var TransformerCodePrior::neg_log_prob(const core::IndexTensor& grids) {
  if (grids.dim() != 2 || grids.size(1) != options.positions)
    throw core::ShapeError(fmt::format("TransformerCodePrior: code grids of shape {} are not (B, {})",
                                       grids.shape().str(), options.positions));
  const Tensor codes = grids.to<float>();  // the decoder reads ids as floats (B, L)
  return ag::neg(ag::sum(decoder_->likelihood(decoder_->features(codes))->log_prob(Var(codes)), {1}));
}

core::IndexTensor TransformerCodePrior::sample(Index n, core::Generator& gen, double temperature) {
  check_temperature(temperature, "TransformerCodePrior");
  const TokenSampling sampling(static_cast<float>(temperature));
  const CausalDecoder::Pick draw = [&](const nn::Distribution<>& p) {
    return sample_tokens(categorical_of(p), gen, sampling).to<float>();
  };
  eval();
  const Tensor drawn = decoder_->unroll(n, Tensor(), options.positions, draw);
  return drawn.to<core::Index>();
}

std::string TransformerCodePrior::describe() const {
  return fmt::format("TransformerCodePrior({} codes, {} positions, d={}, heads={}, layers={}, dropout={})",
                     options.codes, options.positions, options.d_model, options.heads, options.layers, options.dropout);
}

}  // namespace xgrad::models
