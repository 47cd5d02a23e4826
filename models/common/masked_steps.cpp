#include "xgrad/models/common/masked_steps.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/models/common/elbo.hpp"

namespace xgrad::models {

MaskedSteps::MaskedSteps(std::unique_ptr<nn::Distribution<>> steps, core::Tensor<float> mask)
    : steps_(std::move(steps)), mask_(std::move(mask)) {
  const core::Shape s = steps_->batch_shape();
  if (mask_.dim() != 2 || s.rank() < 2 || s[0] != mask_.size(0) || s[1] != mask_.size(1))
    throw core::ShapeError(fmt::format("MaskedSteps: mask {} does not match the steps' batch shape {}",
                                       mask_.shape().str(), s.str()));
}

autograd::Variable<float> MaskedSteps::log_prob(const autograd::Variable<float>& value) const {
  return sum_per_step(steps_->log_prob(match_event_shape(*steps_, value))) * autograd::Variable<float>(mask_);
}

autograd::Variable<float> MaskedSteps::entropy() const {
  return sum_per_step(steps_->entropy()) * autograd::Variable<float>(mask_);
}

std::unique_ptr<nn::Distribution<>> mask_steps(std::unique_ptr<nn::Distribution<>> steps, const core::Tensor<float>& mask) {
  if (!mask.defined()) return steps;
  return std::make_unique<MaskedSteps>(std::move(steps), mask);
}

}  // namespace xgrad::models
