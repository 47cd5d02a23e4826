#include "xgrad/models/common/objective.hpp"

#include <fmt/format.h>

namespace xgrad::models {

ElboObjective ElboLoss::at(std::int64_t step) const {
  if (!schedule_) return fixed_;
  ElboObjective o = schedule_->objective(step);
  o.kl_weight *= beta_;
  return o;
}

std::string ElboLoss::describe() const {
  if (!schedule_) return fixed_.str();
  return beta_ == 1 ? schedule_->spec() : fmt::format("{} x beta={}", schedule_->spec(), beta_);
}

}  // namespace xgrad::models
