#pragma once
// A CodePrior that reads a code grid as a sequence in raster order: the causal
// Transformer decoder of the sequence models (CausalDecoder, from its learned start), so
// every code attends to all codes before it — the whole rows above included, which a
// single masked-convolution stack cannot see — and sampling runs on its key/value cache,
// one position at a time.
#include <memory>

#include "xgrad/models/causal_decoder.hpp"
#include "xgrad/models/common/code_prior.hpp"

namespace xgrad::models {

struct TransformerCodePriorOptions {
  Index codes = 128;  ///< K, values a code takes
  Index positions = 49;  ///< codes per grid (H * W)
  Index d_model = 64;
  Index heads = 4;
  Index layers = 5;
  float dropout = 0.f;  ///< on attention weights and sublayer outputs in training, as CausalDecoder's
};

class TransformerCodePrior : public CodePrior {
 public:
  TransformerCodePrior(const TransformerCodePriorOptions& options, core::Generator& gen);
  Var neg_log_prob(const core::IndexTensor& grids) override;
  core::IndexTensor sample(Index n, core::Generator& gen, double temperature = 1.0) override;
  std::string kind() const override { return "transformer-prior"; }
  std::string describe() const override;

  const TransformerCodePriorOptions options;

 private:
  std::shared_ptr<CausalDecoder> decoder_;
};

}  // namespace xgrad::models
