#pragma once
// The linear probe: how much of a label a set of features holds linearly, as the
// held-out accuracy of a multinomial logistic regression on them. Trained with xgrad
// (nn::Linear, cross-entropy, Adam, nn::Trainer) on standardised features, so codes,
// principal components and raw pixels are compared by one procedure.
#include <cstdint>
#include <memory>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::models {

using core::Index;

struct LinearProbeOptions {
  std::int64_t epochs = 30;
  Index batch = 256;
  double lr = 1e-2;
  double weight_decay = 0;  ///< L2 on the weights and bias (Adam's)
  std::uint64_t seed = 1;
};

/// softmax(W standardise(x) + b): the standardisation (mean and deviation of each
/// feature) is the training set's, fixed at construction.
class LogisticRegression : public nn::Trainable {
 public:
  /// Features (N, F) whose statistics standardise every input; `classes` outputs.
  LogisticRegression(const core::Tensor<float>& train_features, Index classes, core::Generator& gen);
  nn::StepTerms training_step(const nn::Batch& batch, nn::StepContext& ctx) override;
  /// Logits (N, classes) of raw features (N, F).
  nn::Var forward(const core::Tensor<float>& features);
  /// Class probabilities (N, classes), no graph.
  core::Tensor<float> probabilities(const core::Tensor<float>& features);
  /// The most probable class of each row.
  std::vector<Index> predict(const core::Tensor<float>& features);

 private:
  core::Tensor<float> standardise(const core::Tensor<float>& features) const;
  std::vector<float> mean_, inv_sd_;
  std::shared_ptr<nn::Linear> linear_;
};

/// Trains a LogisticRegression on (x, labels) with labels in [0, classes).
std::unique_ptr<LogisticRegression> fit_logistic_regression(const core::Tensor<float>& x, const core::IndexTensor& labels,
                                                            Index classes, const LinearProbeOptions& options = {});
/// Fraction of rows whose predicted class is the label.
double accuracy(LogisticRegression& model, const core::Tensor<float>& x, const core::IndexTensor& labels);

struct ProbeResult {
  double train_accuracy = 0, test_accuracy = 0;
};
/// Fits on the training features and scores both sets.
ProbeResult linear_probe(const core::Tensor<float>& train_x, const core::IndexTensor& train_labels,
                         const core::Tensor<float>& test_x, const core::IndexTensor& test_labels, Index classes,
                         const LinearProbeOptions& options = {});

}  // namespace xgrad::models
