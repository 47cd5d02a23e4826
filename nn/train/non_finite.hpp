#pragma once
// Non-finite numbers are never silent. A loss term or parameter that turns NaN or
// Inf stops training with one line naming the step and what went bad, before
// anything more is written; files that hold such numbers are neither written nor
// read back.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/core/error.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Training produced NaN or Inf; the message names the step and the term or tensor.
class NonFiniteError : public core::Error {
 public:
  using core::Error::Error;
};

/// Named scalars of one step (loss, recon, kl, ...), in the order they are reported.
using StepTerms = std::vector<std::pair<std::string, double>>;

/// Throws NonFiniteError ("step 12: the training loss term 'kl' is nan ...") for the
/// first term that is not finite. `step` counts from 1.
void require_finite_terms(std::int64_t step, const StepTerms& terms);
/// Throws NonFiniteError naming the step and the first parameter whose value holds NaN/Inf.
void require_finite_parameters(std::int64_t step, const Module& module);

/// The name of the first tensor of `state` that holds NaN or Inf; empty when all are finite.
std::string first_non_finite(const StateDict& state);

}  // namespace xgrad::nn
