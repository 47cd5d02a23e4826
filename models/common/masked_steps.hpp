#pragma once
// A likelihood over sequences (B, L, ...) whose padded steps count nothing: log_prob and
// entropy are summed per step and zeroed where the mask is 0. What lets a model that scores
// its sequences through the shared objectives (any ElboObjective, the IWAE bound) take a
// padded batch: the objectives see (B, L) log-densities that already leave the padding out.
#include <memory>

#include "xgrad/core/tensor.hpp"
#include "xgrad/nn/distributions/distribution.hpp"

namespace xgrad::models {

class MaskedSteps final : public nn::Distribution<> {
 public:
  /// mask (B, L): 1 for a real step, 0 for padding; `steps` scores values (B, L, ...).
  MaskedSteps(std::unique_ptr<nn::Distribution<>> steps, core::Tensor<float> mask);

  std::string name() const override { return "MaskedSteps(" + steps_->name() + ")"; }
  core::Shape batch_shape() const override { return mask_.shape(); }
  /// (B, L): log p(x_t | ...) summed over a step's dimensions, 0 at padded steps.
  autograd::Variable<float> log_prob(const autograd::Variable<float>& value) const override;
  autograd::Variable<float> entropy() const override;
  autograd::Variable<float> mean() const override { return steps_->mean(); }
  autograd::Variable<float> rsample(core::Generator& gen) const override { return steps_->rsample(gen); }

 private:
  core::Tensor<float> sample_tensor(core::Generator& gen) const override { return steps_->sample(gen); }

  std::unique_ptr<nn::Distribution<>> steps_;
  core::Tensor<float> mask_;
};

/// `steps` itself when nothing is padded (mask undefined), else it wrapped in MaskedSteps.
std::unique_ptr<nn::Distribution<>> mask_steps(std::unique_ptr<nn::Distribution<>> steps, const core::Tensor<float>& mask);

}  // namespace xgrad::models
