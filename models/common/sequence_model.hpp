#pragma once
// What the sequence apps ask of a model beyond GenerativeModel: generation (text with
// temperature, top-k and top-p), per-step scores (anomaly detection) and draws of the
// future (forecasting). The VRNN, the Transformer and the Transformer VAE implement it,
// so `xgrad text generate`, `series forecast` and `series anomaly` never ask for a kind.
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/token_sampling.hpp"

namespace xgrad::models {

class SequenceModel {
 public:
  virtual ~SequenceModel() = default;
  /// n sequences after a prefix (returned first): text (n, P + length) bytes as floats drawn
  /// with `sampling` after ids (P,); series (n, P + length, D) means after (n, P, D).
  virtual Tensor generate(Index n, Index length, core::Generator& gen, const TokenSampling& sampling = {},
                          const IndexTensor& text_prefix = {}, const Tensor& series_prefix = {}) = 0;
  /// Series: (B, L) per-step scores, -log p(x_t | ...) plus the step's share of the KL, over k draws.
  virtual Tensor step_scores(const Batch& batch, int k, core::Generator& gen) = 0;
  /// Series: `horizon` steps after `history` (n, P, D), each drawn and fed back: (n, horizon, D).
  virtual Tensor sample_future(const Tensor& history, Index horizon, core::Generator& gen) = 0;
};

}  // namespace xgrad::models
