#include "image/latent_stats.hpp"

#include <algorithm>
#include <numeric>

#include "xgrad/autograd/variable.hpp"
#include "xgrad/models/common/latent.hpp"

namespace xgrad::apps {

std::vector<double> latent_activity(models::GenerativeModel& model, const nn::Dataset& data) {
  autograd::NoGradGuard no_grad;
  model.eval();
  auto au = models::active_units(model, data, 500);
  return {au.variance.begin(), au.variance.end()};
}

int active_units(const std::vector<double>& activity, double threshold) {
  return static_cast<int>(std::count_if(activity.begin(), activity.end(), [&](double a) { return a > threshold; }));
}

std::vector<double> kl_per_dim(models::GenerativeModel& model, const nn::Dataset& data) {
  auto* lvm = dynamic_cast<models::LatentVariableModel*>(&model);
  if (!lvm) return {};
  autograd::NoGradGuard no_grad;
  model.eval();
  core::Tensor<float> kl = models::kl_per_dimension(*lvm, data, 500);
  return {kl.begin(), kl.end()};
}

std::vector<int> dims_by_score(const std::vector<double>& score) {
  std::vector<int> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[a] > score[b]; });
  return order;
}

}  // namespace xgrad::apps
