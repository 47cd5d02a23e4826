#pragma once
// The built-in classifier, a small CNN trained with xgrad, used to judge generated
// Fashion-MNIST images: conditional accuracy of a CVAE's samples, and (with
// frechet_distance.hpp) the distance between its penultimate-layer features of
// samples and of test images. It is cached in $XDG_CACHE_HOME/xgrad/classifier.safetensors
// (default ~/.cache/xgrad/) and trained on first use. `xgrad augment` trains fresh
// ones of any image shape and class count (ClassifierShape) on the user's data.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/layers/sequential.hpp"
#include "xgrad/nn/train/trainer.hpp"

namespace xgrad::apps {

/// The images a classifier takes and the classes it tells apart (default: Fashion-MNIST's).
struct ClassifierShape {
  std::int64_t channels = 1, height = 28, width = 28;
  std::int64_t classes = 10;
};

/// conv C->16 3x3 s2 ReLU, conv 16->32 3x3 s2 ReLU, flatten, linear 32 (H/4) (W/4)->128 ReLU
/// (features), linear 128->classes; on Fashion-MNIST 1568->128 and 10 classes.
class Classifier : public nn::Trainable {
 public:
  explicit Classifier(core::Generator& gen, const ClassifierShape& shape = {});
  /// Cross-entropy of the batch's labels, minimised with the trainer's optimizer.
  nn::StepTerms training_step(const nn::Batch& batch, nn::StepContext& ctx) override;
  /// x (B, C*H*W) or (B, C, H, W) -> logits (B, classes).
  nn::Var forward(const nn::Var& x);
  /// Penultimate-layer features (B, 128), no graph.
  core::Tensor<float> features(const core::Tensor<float>& x);
  /// Predicted classes.
  std::vector<int> predict(const core::Tensor<float>& x);
  /// Class probabilities (B, classes), no graph: how sure it is of each prediction.
  core::Tensor<float> probabilities(const core::Tensor<float>& x);

  const ClassifierShape shape;
  std::shared_ptr<nn::Sequential> body, head;

 private:
  core::Shape image_shape(core::Index batch) const;
};

/// A fresh classifier of `shape` trained on `train` (x flat or C x H x W, labels 0 .. classes-1)
/// for `budget` with the settings of the cached one (Adam 2e-3, batch 128), in eval mode.
std::shared_ptr<Classifier> fit_classifier(std::shared_ptr<const nn::Dataset> train, const ClassifierShape& shape,
                                           const nn::Budget& budget, std::uint64_t seed, bool quiet = true);
/// Fraction of `test` rows whose predicted class is their label.
double classifier_accuracy(Classifier& c, const nn::Dataset& test);

/// Where the classifier is cached.
std::string classifier_cache_path();
/// Trains on Fashion-MNIST from `data_dir` for `budget`, saves to `path`; returns test accuracy.
double train_classifier(const std::string& data_dir, const std::string& path, const nn::Budget& budget,
                        std::uint64_t seed, bool quiet = false);
/// The cached classifier, trained first (saying so on stderr) when missing.
std::shared_ptr<Classifier> load_or_train_classifier(const std::string& data_dir);

/// Fraction of label-conditioned samples (n, labels i % 10) the classifier assigns to the asked label.
double conditional_accuracy(models::GenerativeModel& model, std::uint64_t seed, std::int64_t n,
                            const std::string& data_dir = "/usr/share/datasets/fashion-mnist");

}  // namespace xgrad::apps
