#include "xgrad/models/common/token_sampling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "xgrad/core/error.hpp"

namespace xgrad::models {

void TokenSampling::check() const {
  if (!(temperature > 0.f) || !std::isfinite(temperature))
    throw core::ValueError(fmt::format("temperature must be positive (got {})", temperature));
  if (top_k < 0) throw core::ValueError(fmt::format("top-k must be >= 0 (got {})", top_k));
  if (!(top_p > 0.f && top_p <= 1.f)) throw core::ValueError(fmt::format("top-p must be in (0, 1] (got {})", top_p));
}

namespace {

/// One row of logits: keeps the top-k, then the nucleus, of `row` (already divided by the temperature).
void truncate_row(float* row, core::Index k, const TokenSampling& s) {
  std::vector<core::Index> order(static_cast<std::size_t>(k));
  std::iota(order.begin(), order.end(), core::Index{0});
  // Ties keep the lower index first, so the kept set does not depend on the sort's implementation.
  std::stable_sort(order.begin(), order.end(), [row](core::Index a, core::Index b) { return row[a] > row[b]; });
  core::Index keep = s.top_k > 0 ? std::min(s.top_k, k) : k;
  if (s.top_p < 1.f) {
    const float top = row[order[0]];
    double total = 0;
    for (core::Index i = 0; i < keep; ++i) total += std::exp(static_cast<double>(row[order[static_cast<std::size_t>(i)]] - top));
    double mass = 0;
    core::Index n = 0;
    while (n < keep && mass < s.top_p * total) mass += std::exp(static_cast<double>(row[order[static_cast<std::size_t>(n++)]] - top));
    keep = std::max<core::Index>(n, 1);
  }
  for (core::Index i = keep; i < k; ++i) row[order[static_cast<std::size_t>(i)]] = -std::numeric_limits<float>::infinity();
}

}  // namespace

core::Tensor<float> truncated_logits(const core::Tensor<float>& logits, const TokenSampling& s) {
  s.check();
  const core::Index k = logits.size(-1), rows = logits.numel() / k;
  core::Tensor<float> out = logits.reshape({rows, k});  // a copy: tensors copy deeply
  for (float& v : out) v /= s.temperature;
  if (s.truncates())
    for (core::Index r = 0; r < rows; ++r) truncate_row(out.data() + r * k, k, s);
  return out.reshape(logits.shape());
}

const nn::Categorical<>& categorical_of(const nn::Distribution<>& p) {
  if (const auto* c = dynamic_cast<const nn::Categorical<>*>(&p)) return *c;
  throw core::ValueError("text needs a categorical likelihood, not " + p.name());
}

core::IndexTensor sample_tokens(const nn::Categorical<>& p, core::Generator& gen, const TokenSampling& s) {
  s.check();
  if (!s.truncates()) return p.sample(gen, s.temperature);
  const nn::Categorical<> kept(autograd::Variable<float>(truncated_logits(p.logits().value(), s)));
  return kept.sample(gen);
}

}  // namespace xgrad::models
