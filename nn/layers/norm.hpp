#pragma once
// Normalisation layers: LayerNorm (over the trailing axes of each example) and
// BatchNorm (over the batch, per channel, with running statistics for eval).
#include "xgrad/nn/layers/layer.hpp"

namespace xgrad::nn {

struct LayerNormOptions {
  Shape shape;  ///< the trailing axes to normalise over (PyTorch's normalized_shape)
  double eps = 1e-5;
  bool affine = true;  ///< learn a per-element weight and bias
};

/// y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the trailing `shape`
/// axes of x (biased variance).
class LayerNorm : public Layer {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  Var forward(const Var& x) override;
  std::string describe() const override;

  const LayerNormOptions options;
  Var weight;  ///< ones of `shape`, undefined without affine
  Var bias;    ///< zeros of `shape`, undefined without affine
};

struct BatchNormOptions {
  Index features = 0;  ///< channels C
  double eps = 1e-5;
  double momentum = 0.1;  ///< running = (1 - momentum) * running + momentum * batch statistic
  bool affine = true;
};

/// Normalises each channel (axis 1). Training: with the batch's mean and biased variance,
/// and the running mean and unbiased variance updated (PyTorch's rule). Eval: with the
/// running statistics. BatchNorm1d and BatchNorm2d differ only in the input ranks they accept.
class BatchNorm : public Layer {
 public:
  Var forward(const Var& x) override;
  std::string describe() const override;

  const BatchNormOptions options;
  Var weight;               ///< (C) ones, undefined without affine
  Var bias;                 ///< (C) zeros, undefined without affine
  Var running_mean;         ///< (C) buffer, zeros
  Var running_var;          ///< (C) buffer, ones
  Var num_batches_tracked;  ///< scalar buffer counting training batches (kept for PyTorch's state_dict keys)

 protected:
  BatchNorm(const char* name, int min_rank, int max_rank, const BatchNormOptions& options);

 private:
  const char* name_;
  int min_rank_, max_rank_;
};

/// Input (N, C) or (N, C, L).
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : BatchNorm("BatchNorm1d", 2, 3, options) {}
};

/// Input (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : BatchNorm("BatchNorm2d", 4, 4, options) {}
};

}  // namespace xgrad::nn
