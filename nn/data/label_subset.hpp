#pragma once
// Rows chosen by their class label: the normal classes an anomaly detector trains on
// (`xgrad train --classes`), and the few labelled rows per class of a low-data regime
// (`--per-class`).
#include <memory>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

/// The rows of `data` (whose batches carry labels (B,)) with a label in `classes` (any
/// label when empty), keeping only the first `per_class` of each label (0: all), in the
/// data's order. ValueError when the data has no labels or nothing is left.
std::shared_ptr<Subset> label_subset(std::shared_ptr<const Dataset> data, const std::vector<core::Index>& classes,
                                     core::Index per_class = 0);

}  // namespace xgrad::nn
