#include "xgrad/nn/train/non_finite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace xgrad::nn {

namespace {
bool all_finite(const Tensor& t) {
  return std::all_of(t.data(), t.data() + t.numel(), [](float v) { return std::isfinite(v); });
}
}  // namespace

void require_finite_terms(std::int64_t step, const StepTerms& terms) {
  for (const auto& [name, value] : terms)
    if (!std::isfinite(value))
      throw NonFiniteError(fmt::format(
          "step {}: the training loss term '{}' is {}; the run stops here and keeps its last good checkpoint "
          "and model (lower --lr, or look for bad input data)",
          step, name, value));
}

void require_finite_parameters(std::int64_t step, const Module& module) {
  for (const auto& [name, p] : module.named_parameters())
    if (!all_finite(p.value()))
      throw NonFiniteError(fmt::format(
          "step {}: the update made parameter '{}' NaN or Inf; the run stops here and keeps its last good "
          "checkpoint and model (lower --lr, or clip gradients)",
          step, name));
}

std::string first_non_finite(const StateDict& state) {
  for (const auto& [name, t] : state)
    if (!all_finite(t)) return name;
  return {};
}

}  // namespace xgrad::nn
