#pragma once
// Datasets hand out whole batches: get_batch gathers the rows at the given
// indices, which for in-memory data is one memcpy per row and field. A Batch
// has up to three fields; which ones a dataset fills is part of its contract:
//   Fashion-MNIST     x (B, 784) or (B, 1, 28, 28) in [0, 1], labels (B,)
//   dSprites          x (B, 4096) or (B, 1, 64, 64) in {0, 1}, labels (B, 5) factor indices
//   series windows    x (B, L, 1) normalised, y (B, H, 1) when a horizon is set
//   text sequences    labels (B, L + 1) token ids: inputs are [:, :L], targets [:, 1:]
// Fields a dataset does not fill are undefined tensors.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::nn {

struct Batch {
  core::Tensor<float> x;     ///< inputs
  core::Tensor<float> y;     ///< float targets
  core::IndexTensor labels;  ///< integer targets (class ids, token ids)

  /// Number of rows (the leading dimension of whichever field is defined).
  core::Index size() const;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual core::Index size() const = 0;
  /// The rows at `indices`, in that order. Must be safe to call from another
  /// thread while the caller holds other batches (DataLoader prefetches).
  virtual Batch get_batch(const std::vector<core::Index>& indices) const = 0;
};

/// Rows of in-memory tensors sharing their leading dimension. Any field may be
/// undefined, but at least one must be defined.
class TensorDataset : public Dataset {
 public:
  TensorDataset(core::Tensor<float> x, core::Tensor<float> y = {}, core::IndexTensor labels = {});
  /// Data with integer targets only (e.g. token sequences).
  static std::shared_ptr<TensorDataset> of_labels(core::IndexTensor labels);

  core::Index size() const override { return n_; }
  Batch get_batch(const std::vector<core::Index>& indices) const override;

  const core::Tensor<float>& x() const { return x_; }
  const core::Tensor<float>& y() const { return y_; }
  const core::IndexTensor& labels() const { return labels_; }

 private:
  core::Tensor<float> x_, y_;
  core::IndexTensor labels_;
  core::Index n_ = 0;
};

/// A view of some rows of another dataset (e.g. one side of a split).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<core::Index> indices);
  core::Index size() const override { return static_cast<core::Index>(indices_.size()); }
  Batch get_batch(const std::vector<core::Index>& indices) const override;
  const std::vector<core::Index>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<core::Index> indices_;
};

/// Shuffles the rows with `seed` and splits them into (train, validation), the
/// validation part holding round(size * validation_fraction) rows. The same
/// seed gives the same split; each side keeps the shuffled order.
std::pair<std::shared_ptr<Subset>, std::shared_ptr<Subset>> train_validation_split(
    std::shared_ptr<const Dataset> data, double validation_fraction, std::uint64_t seed);

}  // namespace xgrad::nn
