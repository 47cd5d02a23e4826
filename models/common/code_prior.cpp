#include "xgrad/models/common/code_prior.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"

namespace xgrad::models {

double CodePrior::bits_per_code(const core::IndexTensor& grids) {
  autograd::NoGradGuard no_grad;
  eval();
  double nats = 0;
  const nn::Index n = grids.size(0), hw = grids.size(1), chunk = 500;  // bounded memory for a whole test set
  for (nn::Index start = 0; start < n; start += chunk) {
    const nn::Index rows = std::min(chunk, n - start);
    core::IndexTensor part({rows, hw});
    std::copy_n(grids.data() + start * hw, rows * hw, part.data());
    nats += autograd::sum(neg_log_prob(part)).item();
  }
  return nats / static_cast<double>(grids.numel()) / std::log(2.0);
}

nn::StepTerms CodePrior::training_step(const nn::Batch& batch, nn::StepContext& ctx) {
  train();
  const nn::Var nats = autograd::sum(neg_log_prob(batch.labels)) / static_cast<double>(batch.labels.numel());
  const double loss = ctx.minimize(nats);
  return {{"loss", loss}, {"bits_per_code", loss / std::log(2.0)}};
}

void CodePrior::check_temperature(double temperature, const std::string& who) {
  if (!(temperature > 0) || !std::isfinite(temperature))
    throw core::ValueError(fmt::format("{}: the sampling temperature must be > 0 (got {})", who, temperature));
}

}  // namespace xgrad::models
