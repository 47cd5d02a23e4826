#pragma once
// How a text model draws its next token: temperature, top-k and nucleus (top-p)
// sampling (Holtzman et al. 2019), one place for every model that generates text
// (the VRNN, the Transformer and the Transformer VAE).
#include "xgrad/core/random.hpp"
#include "xgrad/core/tensor.hpp"
#include "xgrad/nn/distributions/categorical.hpp"

namespace xgrad::models {

struct TokenSampling {
  /// Implicit from a temperature, so `generate(n, len, gen, 0.8f)` reads as before.
  TokenSampling(float temperature = 1.f, core::Index top_k = 0, float top_p = 1.f)  // NOLINT(google-explicit-constructor)
      : temperature(temperature), top_k(top_k), top_p(top_p) {}
  float temperature = 1.f;  ///< logits are divided by it (> 0)
  core::Index top_k = 0;    ///< keep the k most likely tokens (0: all)
  float top_p = 1.f;        ///< keep the fewest most likely tokens whose probability reaches p (1: all)
  /// True when top-k or top-p removes anything.
  bool truncates() const { return top_k > 0 || top_p < 1.f; }
  /// ValueError naming the setting out of range (temperature <= 0, top_k < 0, top_p outside (0, 1]).
  void check() const;
};

/// p as a Categorical; ValueError "text needs a categorical likelihood, not Normal" otherwise.
const nn::Categorical<>& categorical_of(const nn::Distribution<>& p);

/// One token per row of p's batch, from softmax(logits / temperature) restricted to the top-k
/// and then the nucleus, renormalised. Without truncation this is p.sample(gen, temperature):
/// the same draws, bit for bit.
core::IndexTensor sample_tokens(const nn::Categorical<>& p, core::Generator& gen, const TokenSampling& sampling);

/// The logits (N, K) / temperature with what top-k and top-p remove set to -inf (for tests and
/// for models that sample on their own).
core::Tensor<float> truncated_logits(const core::Tensor<float>& logits, const TokenSampling& sampling);

}  // namespace xgrad::models
