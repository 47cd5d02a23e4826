#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
// Parameters without a gradient are skipped.
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Scales every gradient by max_norm / (total + 1e-6) when that is below 1, where
/// total is the norm of all gradients taken together (norm_type p > 0, or infinity
/// for the largest |g|). Returns total, measured before clipping.
double clip_grad_norm_(const std::vector<Var>& params, double max_norm, double norm_type = 2);

/// Clamps every gradient element into [-clip, clip]; clip >= 0.
void clip_grad_value_(const std::vector<Var>& params, double clip);

}  // namespace xgrad::nn
