#pragma once
// What the jobs on a trained run (anomaly, embed, arithmetic) share: the run's codes of
// many rows, and the rows themselves as plain (N, D) features.
#include <cstdint>

#include "image/harness.hpp"

namespace xgrad::apps {

/// Posterior means (N, latent) of the rows of `b`, in chunks of 500, without a graph.
core::Tensor<float> encode_rows(models::GenerativeModel& model, const nn::Batch& b);
/// The first n rows of `data` (all when n <= 0 or n is larger), x flattened to (N, D).
nn::Batch flat_rows(const nn::Dataset& data, std::int64_t n);
/// The run's training rows (--classes and --per-class as it was trained), the first n.
nn::Batch training_rows(const LoadedRun& run, std::int64_t n);
/// The label of every row, as plain integers.
std::vector<core::Index> labels_of(const nn::Batch& b);

}  // namespace xgrad::apps
