#pragma once
// Fashion-MNIST (Zalando): 28x28 grey images of 10 clothing classes, 60000 for
// training and 10000 for testing, in the IDX format. By default the files come
// from Debian's dataset-fashion-mnist package; any directory holding the four
// files (gzipped or not) works.
#include <array>
#include <string>
#include <string_view>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct FashionMnistOptions {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  bool train = true;    ///< train-* (60000) or t10k-* (10000)
  bool flatten = true;  ///< x is (N, 784); otherwise (N, 1, 28, 28)
};

/// x = images in [0, 1], labels = class ids 0..9 (see class_names).
class FashionMnist : public TensorDataset {
 public:
  static constexpr std::string_view kDefaultDir = "/usr/share/datasets/fashion-mnist";
  static constexpr std::array<std::string_view, 10> class_names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

  explicit FashionMnist(const FashionMnistOptions& options = {});

  /// The image and label files found for the split (for messages and tests).
  const std::string& images_path() const { return images_path_; }
  const std::string& labels_path() const { return labels_path_; }

 private:
  struct Loaded;  // the tensors and paths, read before TensorDataset is constructed
  explicit FashionMnist(Loaded&& loaded);
  std::string images_path_, labels_path_;
};

}  // namespace xgrad::nn
