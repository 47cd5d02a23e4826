#include "xgrad/models/evaluation/linear_probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xgrad/autograd/ops_fused.hpp"
#include "xgrad/nn/data/dataset.hpp"
#include "xgrad/nn/losses.hpp"

namespace xgrad::models {

LogisticRegression::LogisticRegression(const core::Tensor<float>& train, Index classes, core::Generator& gen) {
  if (train.dim() != 2 || train.size(0) < 1 || classes < 2)
    throw core::ValueError(fmt::format("logistic regression: needs features (N, F) and at least two classes, got {} and {}",
                                       train.shape().str(), classes));
  const Index n = train.size(0), f = train.size(1);
  std::vector<double> sum(static_cast<std::size_t>(f), 0), sq(static_cast<std::size_t>(f), 0);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < f; ++j) sum[j] += train.data()[i * f + j], sq[j] += double(train.data()[i * f + j]) * train.data()[i * f + j];
  for (Index j = 0; j < f; ++j) {
    const double m = sum[j] / double(n), var = std::max(sq[j] / double(n) - m * m, 0.0);
    mean_.push_back(static_cast<float>(m));
    inv_sd_.push_back(var > 1e-12 ? static_cast<float>(1 / std::sqrt(var)) : 0.0f);  // a constant feature says nothing
  }
  linear_ = register_module("linear", nn::make<nn::Linear>(nn::LinearOptions{.in = f, .out = classes}, gen));
}

core::Tensor<float> LogisticRegression::standardise(const core::Tensor<float>& x) const {
  const auto f = static_cast<Index>(mean_.size());
  if (x.dim() != 2 || x.size(1) != f)
    throw core::ShapeError(fmt::format("logistic regression: expected features (N, {}), got {}", f, x.shape().str()));
  core::Tensor<float> out(x.shape());
  for (Index i = 0; i < x.size(0); ++i)
    for (Index j = 0; j < f; ++j) out.data()[i * f + j] = (x.data()[i * f + j] - mean_[j]) * inv_sd_[j];
  return out;
}

nn::Var LogisticRegression::forward(const core::Tensor<float>& features) {
  return linear_->forward(nn::Var(standardise(features)));
}

nn::StepTerms LogisticRegression::training_step(const nn::Batch& batch, nn::StepContext& ctx) {
  return {{"cross_entropy", ctx.minimize(nn::cross_entropy(forward(batch.x), batch.labels))}};
}

core::Tensor<float> LogisticRegression::probabilities(const core::Tensor<float>& features) {
  autograd::NoGradGuard no_grad;
  return autograd::softmax(forward(features), -1).value();
}

std::vector<Index> LogisticRegression::predict(const core::Tensor<float>& features) {
  autograd::NoGradGuard no_grad;
  const core::Tensor<float> logits = forward(features).value();
  const Index c = logits.size(1);
  std::vector<Index> out(static_cast<std::size_t>(logits.size(0)));
  for (Index i = 0; i < logits.size(0); ++i) {
    const float* row = logits.data() + i * c;
    out[i] = std::max_element(row, row + c) - row;
  }
  return out;
}

std::unique_ptr<LogisticRegression> fit_logistic_regression(const core::Tensor<float>& x, const core::IndexTensor& labels,
                                                            Index classes, const LinearProbeOptions& o) {
  if (labels.dim() != 1 || labels.size(0) != x.size(0))
    throw core::ShapeError(fmt::format("logistic regression: {} labels for features {}", labels.shape().str(), x.shape().str()));
  for (Index i = 0; i < labels.numel(); ++i)
    if (labels.data()[i] < 0 || labels.data()[i] >= classes)
      throw core::ValueError(fmt::format("logistic regression: label {} is outside 0..{}", labels.data()[i], classes - 1));
  core::Generator gen(o.seed);
  auto model = std::make_unique<LogisticRegression>(x, classes, gen);
  auto data = std::make_shared<nn::TensorDataset>(x, core::Tensor<float>{}, labels);
  nn::Trainer trainer(*model, gen, data,
                      {.budget = {.epochs = o.epochs}, .batch_size = std::min<Index>(o.batch, x.size(0)), .seed = o.seed,
                       .optimizer = {.lr = o.lr, .weight_decay = o.weight_decay}, .eval_at_end = false});
  trainer.fit();
  model->eval();
  return model;
}

double accuracy(LogisticRegression& model, const core::Tensor<float>& x, const core::IndexTensor& labels) {
  const std::vector<Index> p = model.predict(x);
  double right = 0;
  for (std::size_t i = 0; i < p.size(); ++i) right += p[i] == labels.data()[i];
  return p.empty() ? 0.0 : right / double(p.size());
}

ProbeResult linear_probe(const core::Tensor<float>& train_x, const core::IndexTensor& train_labels,
                         const core::Tensor<float>& test_x, const core::IndexTensor& test_labels, Index classes,
                         const LinearProbeOptions& o) {
  auto model = fit_logistic_regression(train_x, train_labels, classes, o);
  return {accuracy(*model, train_x, train_labels), accuracy(*model, test_x, test_labels)};
}

}  // namespace xgrad::models
