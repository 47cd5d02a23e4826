#include "xgrad/nn/layers/norm.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_norm.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/autograd/ops_shape.hpp"
#include "xgrad/core/elementwise.hpp"

namespace xgrad::nn {

using namespace autograd;

namespace {
// (x - mean) / sqrt(var + eps), with mean and var broadcasting against x.
Var normalize(const Var& x, const Var& mean, const Var& var, double eps) {
  return (x - mean) * rsqrt(var + static_cast<float>(eps));
}
}  // namespace

LayerNorm::LayerNorm(const LayerNormOptions& options) : options(options) {
  if (options.shape.rank() == 0 || options.shape.numel() == 0)
    throw core::ValueError(fmt::format("LayerNorm: shape {} must be non-empty", options.shape.str()));
  if (options.affine) {
    weight = register_parameter("weight", Tensor::ones(options.shape));
    bias = register_parameter("bias", Tensor::zeros(options.shape));
  }
}

Var LayerNorm::forward(const Var& x) {
  const int k = options.shape.rank();
  const Shape& xs = x.shape();
  if (xs.rank() < k || !std::equal(options.shape.begin(), options.shape.end(), xs.end() - k))
    throw core::ShapeError(
        fmt::format("LayerNorm: input of shape {} does not end in {}", xs.str(), options.shape.str()));
  return autograd::layer_norm(x, weight, bias, options.eps, k);
}

std::string LayerNorm::describe() const { return fmt::format("LayerNorm({})", options.shape.str()); }

BatchNorm::BatchNorm(const char* name, int min_rank, int max_rank, const BatchNormOptions& options)
    : options(options), name_(name), min_rank_(min_rank), max_rank_(max_rank) {
  if (options.features <= 0)
    throw core::ValueError(fmt::format("{}: features must be positive, got {}", name, options.features));
  const Shape c{options.features};
  if (options.affine) {
    weight = register_parameter("weight", Tensor::ones(c));
    bias = register_parameter("bias", Tensor::zeros(c));
  }
  running_mean = register_buffer("running_mean", Tensor::zeros(c));
  running_var = register_buffer("running_var", Tensor::ones(c));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::scalar(0.f));
}

Var BatchNorm::forward(const Var& x) {
  const Index channels = options.features;
  if (x.dim() < min_rank_ || x.dim() > max_rank_ || x.size(1) != channels)
    throw core::ShapeError(fmt::format("{}: input of shape {} is not {}", name_, x.shape().str(),
                                       min_rank_ == 4 ? fmt::format("(N, {}, H, W)", channels)
                                                      : fmt::format("(N, {}) or (N, {}, L)", channels, channels)));
  // Statistics per channel: over every axis but 1, shaped (1, C, 1, ...) to broadcast.
  Axes axes{0};
  Shape stat_shape{1, channels};
  for (int i = 2; i < x.dim(); ++i) {
    axes.push_back(i);
    stat_shape.push_back(1);
  }
  Var y;
  if (is_training()) {
    const Index n = x.numel() / channels;
    if (n < 2)
      throw core::ValueError(fmt::format("{}: training needs more than one value per channel, got input of shape {}",
                                         name_, x.shape().str()));
    const Var m = mean(x, axes, true);
    const Var v = var(x, axes, true, 0);
    y = normalize(x, m, v, options.eps);
    const float mom = static_cast<float>(options.momentum);
    core::lerp_(running_mean.value_mut(), 1.f - mom, m.value().reshape({channels}), mom);
    const float unbias = static_cast<float>(n) / static_cast<float>(n - 1);
    core::lerp_(running_var.value_mut(), 1.f - mom, v.value().reshape({channels}), mom * unbias);
    num_batches_tracked.value_mut().data()[0] += 1.f;
  } else {
    y = normalize(x, Var(running_mean.value().reshape(stat_shape)), Var(running_var.value().reshape(stat_shape)),
                  options.eps);
  }
  if (!options.affine) return y;
  return y * reshape(weight, stat_shape) + reshape(bias, stat_shape);
}

std::string BatchNorm::describe() const { return fmt::format("{}({})", name_, options.features); }

}  // namespace xgrad::nn
