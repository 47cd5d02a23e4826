#pragma once
// Shared by the model tests: a few hundred Fashion-MNIST images (the test split, read
// once) and a short training loop. Missing data is a failure, not a skip.
#include <memory>
#include <numeric>
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"

namespace xgrad::models::testing {

/// The first n test images (n <= 10000), x (n, 784) in [0, 1] and labels.
inline nn::Batch fashion(Index n) {
  static const auto data = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.train = false});
  std::vector<Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  return data->get_batch(idx);
}

/// Rows [start, start + n) of a batch.
inline nn::Batch rows(const nn::Batch& b, Index start, Index n) {
  const Index d = b.x.numel() / b.x.size(0);
  nn::Batch out{.x = nn::Tensor({n, d}), .y = {}, .labels = core::IndexTensor(core::Shape{n})};
  std::copy(b.x.data() + start * d, b.x.data() + (start + n) * d, out.x.data());
  if (b.labels.defined()) std::copy(b.labels.data() + start, b.labels.data() + start + n, out.labels.data());
  return out;
}

/// `epochs` passes over `data` in batches of `batch` (no shuffle), with fresh optimizers
/// built from `optimizer` (a Stepper of its own: call once per model): the loss of every step.
inline std::vector<double> train(GenerativeModel& model, const nn::Batch& data, Index batch, int epochs,
                                 core::Generator& gen, const nn::OptimizerOptions& optimizer = {}) {
  Stepper stepper(model, gen, optimizer);
  std::vector<double> losses;
  for (int e = 0; e < epochs; ++e)
    for (Index s = 0; s + batch <= data.size(); s += batch) losses.push_back(stepper.step(rows(data, s, batch)).loss);
  return losses;
}

/// Mean of the first and of the last k values.
inline double head_mean(const std::vector<double>& v, std::size_t k) {
  return std::accumulate(v.begin(), v.begin() + static_cast<long>(k), 0.0) / static_cast<double>(k);
}
inline double tail_mean(const std::vector<double>& v, std::size_t k) {
  return std::accumulate(v.end() - static_cast<long>(k), v.end(), 0.0) / static_cast<double>(k);
}

}  // namespace xgrad::models::testing
