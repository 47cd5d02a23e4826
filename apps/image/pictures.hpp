#pragma once
// Shared by sample, reconstruct, interpolate and traverse: checks on the
// picture flags and the PNG writing.
#include <cstdint>
#include <string>

#include "image/harness.hpp"

namespace xgrad::apps {

/// Labels for n samples: all `label` when >= 0, else i % K (K: the model's classes, class_count);
/// undefined for unconditional models. Throws UsageError for a label outside 0..K-1 or a label
/// given to an unconditional model.
core::IndexTensor sample_labels(const LoadedRun& run, std::int64_t n, int label);
/// Writes images (N, ...) as a grid of `columns`; checks the .png path first.
void write_grid(const std::string& path, const core::Tensor<float>& images, int columns);

}  // namespace xgrad::apps
