#include "xgrad/models/common/heads.hpp"

#include <fmt/format.h>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_shape.hpp"

namespace xgrad::models {

namespace {

void check_bounds(const char* head, float lo, float hi) {
  if (!(lo < hi)) throw core::ValueError(fmt::format("{}: logvar_min {} must be below logvar_max {}", head, lo, hi));
}


// (..., K*D) -> (..., K, D)
Var split_components(const Var& x, Index k, Index d) {
  std::vector<Index> dims(x.shape().begin(), x.shape().end() - 1);
  dims.push_back(k);
  dims.push_back(d);
  return autograd::reshape(x, core::Shape(dims));
}

}  // namespace

GaussianHead::GaussianHead(const GaussianHeadOptions& options, core::Generator& gen) : options(options) {
  check_bounds("GaussianHead", options.logvar_min, options.logvar_max);
  mean = register_module("mean", nn::make<nn::Linear>(options.in, options.out, gen));
  logvar = register_module("logvar", nn::make<nn::Linear>(options.in, options.out, gen));
}

nn::Normal<> GaussianHead::forward(const Var& features) const {
  return nn::Normal<>(mean->forward(features),
                      autograd::clamp(logvar->forward(features), options.logvar_min, options.logvar_max));
}

std::string GaussianHead::describe() const {
  return fmt::format("GaussianHead({} -> {}, logvar in [{}, {}])", options.in, options.out, options.logvar_min,
                     options.logvar_max);
}

BernoulliHead::BernoulliHead(const BernoulliHeadOptions& options, core::Generator& gen) : options(options) {
  if (options.in > 0) proj = register_module("proj", nn::make<nn::Linear>(options.in, options.out, gen));
}

nn::Bernoulli<> BernoulliHead::forward(const Var& features) const {
  return nn::Bernoulli<>(proj ? proj->forward(features) : features);
}

std::string BernoulliHead::describe() const {
  return proj ? fmt::format("BernoulliHead({} -> {})", options.in, options.out) : "BernoulliHead(logits)";
}

GaussianLikelihoodHead::GaussianLikelihoodHead(const GaussianLikelihoodHeadOptions& options, core::Generator& gen)
    : options(options) {
  check_bounds("GaussianLikelihoodHead", options.logvar_min, options.logvar_max);
  mean = register_module("mean", nn::make<nn::Linear>(options.in, options.out, gen));
  if (options.variance == VarianceMode::PerDimension)
    logvar = register_parameter("logvar", nn::Tensor::full({options.out}, options.fixed_logvar));
  else if (options.variance == VarianceMode::Predicted)
    logvar_proj = register_module("logvar_proj", nn::make<nn::Linear>(options.in, options.out, gen));
}

nn::Normal<> GaussianLikelihoodHead::forward(const Var& features) const {
  Var mu = mean->forward(features);
  Var lv;
  switch (options.variance) {
    case VarianceMode::Fixed:
      lv = Var(nn::Tensor::scalar(options.fixed_logvar));
      break;
    case VarianceMode::PerDimension:
      lv = autograd::clamp(logvar, options.logvar_min, options.logvar_max);
      break;
    case VarianceMode::Predicted:
      lv = autograd::clamp(logvar_proj->forward(features), options.logvar_min, options.logvar_max);
      break;
  }
  return nn::Normal<>(mu, lv);
}

std::string GaussianLikelihoodHead::describe() const {
  static constexpr const char* modes[] = {"fixed", "per-dimension", "predicted"};
  return fmt::format("GaussianLikelihoodHead({} -> {}, {} variance)", options.in, options.out,
                     modes[static_cast<int>(options.variance)]);
}

CategoricalHead::CategoricalHead(const CategoricalHeadOptions& options, core::Generator& gen) : options(options) {
  if (options.in > 0) proj = register_module("proj", nn::make<nn::Linear>(options.in, options.classes, gen));
}

nn::Categorical<> CategoricalHead::forward(const Var& features) const {
  Var logits = proj ? proj->forward(features) : features;
  if (options.classes > 0 && logits.size(-1) != options.classes)
    throw core::ShapeError(fmt::format("CategoricalHead: logits of shape {} do not end in {} classes",
                                       logits.shape().str(), options.classes));
  return nn::Categorical<>(logits);
}

std::string CategoricalHead::describe() const {
  return fmt::format("CategoricalHead({} -> {} classes)", options.in, options.classes);
}

MixtureHead::MixtureHead(const MixtureHeadOptions& options, core::Generator& gen) : options(options) {
  check_bounds("MixtureHead", options.logvar_min, options.logvar_max);
  if (options.components <= 0 || options.dims <= 0)
    throw core::ValueError(fmt::format("MixtureHead: components and dims must be positive, got {} and {}",
                                       options.components, options.dims));
  logits = register_module("logits", nn::make<nn::Linear>(options.in, options.components, gen));
  means = register_module("means", nn::make<nn::Linear>(options.in, options.components * options.dims, gen));
  logvars = register_module("logvars", nn::make<nn::Linear>(options.in, options.components * options.dims, gen));
}

nn::MixtureOfGaussians<> MixtureHead::forward(const Var& features) const {
  const Index k = options.components, d = options.dims;
  return nn::MixtureOfGaussians<>(
      logits->forward(features), split_components(means->forward(features), k, d),
      split_components(autograd::clamp(logvars->forward(features), options.logvar_min, options.logvar_max), k, d));
}

std::string MixtureHead::describe() const {
  return fmt::format("MixtureHead({} -> {} components x {} dims)", options.in, options.components, options.dims);
}

}  // namespace xgrad::models
