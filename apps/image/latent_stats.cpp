#include "image/latent_stats.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/cli.hpp"
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

std::map<std::string, double> kl_per_layer(models::GenerativeModel& model, const std::vector<double>& kl) {
  auto* lvm = dynamic_cast<models::LatentVariableModel*>(&model);
  std::map<std::string, double> out;
  if (!lvm || kl.empty()) return out;
  std::size_t at = 0;
  for (const auto& [name, size] : lvm->latent_layout())
    for (models::Index i = 0; i < size && at < kl.size(); ++i) out[name] += kl[at++];
  return out;
}

std::vector<int> layer_dims(models::GenerativeModel& model, const std::string& layer) {
  auto* lvm = dynamic_cast<models::LatentVariableModel*>(&model);
  const auto layout = lvm ? lvm->latent_layout() : std::vector<std::pair<std::string, models::Index>>{{"z", model.latent_dim()}};
  std::vector<int> dims;
  std::vector<std::string> names;
  int at = 0;
  for (const auto& [name, size] : layout) {
    names.push_back(name);
    for (models::Index i = 0; i < size; ++i, ++at)
      if (layer.empty() || layer == name) dims.push_back(at);
  }
  if (dims.empty()) throw UsageError(fmt::format("--layer: the model has no latent layer '{}' (it has {})", layer, fmt::join(names, ", ")));
  return dims;
}

std::vector<int> dims_by_score(const std::vector<double>& score) {
  std::vector<int> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[a] > score[b]; });
  return order;
}

}  // namespace xgrad::apps
