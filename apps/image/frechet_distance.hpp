#pragma once
// The Fréchet distance between two sets of features, the sample-quality figure of
// `xgrad compare` (on the built-in classifier's features of samples and test images).
#include "xgrad/core/tensor.hpp"

namespace xgrad::apps {

/// Fréchet distance between Gaussians fitted to two feature sets (N, F):
/// |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).
double frechet_distance(const core::Tensor<float>& a, const core::Tensor<float>& b);

}  // namespace xgrad::apps
