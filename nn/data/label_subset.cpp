#include "xgrad/nn/data/label_subset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace xgrad::nn {

std::shared_ptr<Subset> label_subset(std::shared_ptr<const Dataset> data, const std::vector<core::Index>& classes,
                                     core::Index per_class) {
  constexpr core::Index kChunk = 4096;  // rows read at a time to see their labels
  std::vector<core::Index> keep;
  std::map<core::Index, core::Index> taken;
  for (core::Index start = 0; start < data->size(); start += kChunk) {
    std::vector<core::Index> idx(static_cast<std::size_t>(std::min(kChunk, data->size() - start)));
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = start + static_cast<core::Index>(i);
    const Batch b = data->get_batch(idx);
    if (!b.labels.defined() || b.labels.dim() != 1)
      throw core::ValueError("label_subset: the data has no class labels (one per row)");
    for (std::size_t i = 0; i < idx.size(); ++i) {
      const core::Index label = b.labels.data()[i];
      if (!classes.empty() && std::find(classes.begin(), classes.end(), label) == classes.end()) continue;
      if (per_class > 0 && taken[label] >= per_class) continue;
      ++taken[label];
      keep.push_back(idx[i]);
    }
  }
  if (keep.empty()) throw core::ValueError("label_subset: no row has one of the classes asked for");
  return std::make_shared<Subset>(std::move(data), std::move(keep));
}

}  // namespace xgrad::nn
