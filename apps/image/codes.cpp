#include "image/codes.hpp"

#include <algorithm>
#include <numeric>

#include "common/cli.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::apps {

core::Tensor<float> encode_rows(models::GenerativeModel& model, const nn::Batch& b) {
  autograd::NoGradGuard no_grad;
  model.eval();
  const nn::TensorDataset rows(b.x, {}, b.labels);  // conditional encoders read the labels too
  std::vector<core::Tensor<float>> parts;
  for (core::Index start = 0; start < b.size(); start += 500) {
    std::vector<core::Index> idx(static_cast<std::size_t>(std::min<core::Index>(500, b.size() - start)));
    std::iota(idx.begin(), idx.end(), start);
    parts.push_back(model.encode(rows.get_batch(idx)));
  }
  return core::concat<float>(parts, 0);
}

nn::Batch flat_rows(const nn::Dataset& data, std::int64_t n) {
  nn::Batch b = first_rows(data, n <= 0 ? data.size() : n);
  b.x = flat_images(b.x);
  return b;
}

nn::Batch training_rows(const LoadedRun& run, std::int64_t n) {
  DataOptions o = run.data;
  o.flatten = true;
  return flat_rows(*load_datasets(o).train, n);
}

std::vector<core::Index> labels_of(const nn::Batch& b) {
  if (!b.labels.defined() || b.labels.dim() != 1) throw UsageError("this data has no class labels (one per row)");
  return std::vector<core::Index>(b.labels.data(), b.labels.data() + b.labels.numel());
}

}  // namespace xgrad::apps
