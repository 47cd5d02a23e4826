#include "xgrad/nn/data/dataset.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "xgrad/core/random.hpp"

namespace xgrad::nn {
namespace {

// Rows of `src` at `indices` into a new tensor of shape (indices.size(), ...).
template <class T>
core::Tensor<T> gather_rows(const core::Tensor<T>& src, const std::vector<core::Index>& indices) {
  if (!src.defined()) return {};
  core::Shape shape;
  shape.push_back(static_cast<core::Index>(indices.size()));
  for (int d = 1; d < src.dim(); ++d) shape.push_back(src.size(d));
  core::Tensor<T> out(shape);
  const core::Index n = src.size(0);
  const std::size_t row = static_cast<std::size_t>(n == 0 ? 0 : src.numel() / n);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const core::Index r = indices[i];
    if (r < 0 || r >= n) throw core::ValueError(fmt::format("dataset: index {} out of range for {} rows", r, n));
    std::memcpy(out.data() + i * row, src.data() + static_cast<std::size_t>(r) * row, row * sizeof(T));
  }
  return out;
}

}  // namespace

core::Index Batch::size() const {
  if (x.defined() && x.dim() > 0) return x.size(0);
  if (y.defined() && y.dim() > 0) return y.size(0);
  if (labels.defined() && labels.dim() > 0) return labels.size(0);
  return 0;
}

TensorDataset::TensorDataset(core::Tensor<float> x, core::Tensor<float> y, core::IndexTensor labels)
    : x_(std::move(x)), y_(std::move(y)), labels_(std::move(labels)) {
  const char* names[] = {"x", "y", "labels"};
  const core::Shape* shapes[] = {&x_.shape(), &y_.shape(), &labels_.shape()};
  const bool defined[] = {x_.defined(), y_.defined(), labels_.defined()};
  int first = -1;
  for (int i = 0; i < 3; ++i) {
    if (!defined[i]) continue;
    if (shapes[i]->rank() == 0)
      throw core::ShapeError(fmt::format("TensorDataset: {} has shape (), it needs a leading row dimension", names[i]));
    if (first < 0) {
      first = i;
      n_ = (*shapes[i])[0];
    } else if ((*shapes[i])[0] != n_) {
      throw core::ShapeError(fmt::format("TensorDataset: {} has shape {} but {} has shape {}; the row counts differ",
                                         names[first], shapes[first]->str(), names[i], shapes[i]->str()));
    }
  }
  if (first < 0) throw core::ValueError("TensorDataset: every field is undefined");
}

std::shared_ptr<TensorDataset> TensorDataset::of_labels(core::IndexTensor labels) {
  return std::make_shared<TensorDataset>(core::Tensor<float>{}, core::Tensor<float>{}, std::move(labels));
}

Batch TensorDataset::get_batch(const std::vector<core::Index>& indices) const {
  return Batch{gather_rows(x_, indices), gather_rows(y_, indices), gather_rows(labels_, indices)};
}

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<core::Index> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  if (!base_) throw core::ValueError("Subset: the base dataset is null");
  const core::Index n = base_->size();
  for (core::Index i : indices_)
    if (i < 0 || i >= n) throw core::ValueError(fmt::format("Subset: index {} out of range for {} rows", i, n));
}

Batch Subset::get_batch(const std::vector<core::Index>& indices) const {
  std::vector<core::Index> mapped(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const core::Index r = indices[i];
    if (r < 0 || r >= size()) throw core::ValueError(fmt::format("Subset: index {} out of range for {} rows", r, size()));
    mapped[i] = indices_[static_cast<std::size_t>(r)];
  }
  return base_->get_batch(mapped);
}

std::pair<std::shared_ptr<Subset>, std::shared_ptr<Subset>> train_validation_split(
    std::shared_ptr<const Dataset> data, double validation_fraction, std::uint64_t seed) {
  if (!data) throw core::ValueError("train_validation_split: the dataset is null");
  if (!(validation_fraction >= 0.0 && validation_fraction <= 1.0))
    throw core::ValueError(fmt::format("train_validation_split: validation_fraction {} is outside [0, 1]", validation_fraction));
  const core::Index n = data->size();
  core::Generator gen(seed);
  const core::IndexTensor perm = core::permutation(n, gen);
  const auto n_val = static_cast<core::Index>(std::llround(static_cast<double>(n) * validation_fraction));
  std::vector<core::Index> train(perm.begin(), perm.end() - n_val), val(perm.end() - n_val, perm.end());
  return {std::make_shared<Subset>(data, std::move(train)), std::make_shared<Subset>(data, std::move(val))};
}

}  // namespace xgrad::nn
