#pragma once
// Private to the optimizers' .cpp files: the checks of their hyperparameters, all
// with one message form ("Adam: beta2 1.5 must be in [0, 1)"). NaN fails every check.
#include <fmt/format.h>

#include "xgrad/core/error.hpp"

namespace xgrad::nn::detail {

inline void require_nonnegative(const char* who, const char* what, double v) {
  if (!(v >= 0)) throw core::ValueError(fmt::format("{}: {} {} must be >= 0", who, what, v));
}

/// v in [0, 1), or in [0, 1] when `one_allowed`.
inline void require_fraction(const char* who, const char* what, double v, bool one_allowed = false) {
  if (!(v >= 0 && (one_allowed ? v <= 1 : v < 1)))
    throw core::ValueError(fmt::format("{}: {} {} must be in [0, 1{}", who, what, v, one_allowed ? "]" : ")"));
}

}  // namespace xgrad::nn::detail
