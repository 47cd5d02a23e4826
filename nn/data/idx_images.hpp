#pragma once
// Any MNIST-like set given by the path of its images file: unsigned-byte images
// (N, H, W) of any size (MNIST, Fashion-MNIST, KMNIST, EMNIST, ...), with what lies
// beside it found by name, as these sets name their files:
//   labels  the name with "images" -> "labels" and "idx3" -> "idx1"
//           (train-images-idx3-ubyte.gz -> train-labels-idx1-ubyte.gz)
//   test    the name with "train" -> "t10k", else "train" -> "test"
// Either may be absent: then there are no labels, or no test split.
#include <optional>
#include <string>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct IdxImageSet {
  core::Tensor<float> x;     ///< (N, 1, H, W) in [0, 1]
  core::IndexTensor labels;  ///< (N,), or undefined when there is no labels file
  std::string images_path, labels_path;
};

/// Reads the images file and, when it is there, its labels file (which must hold N
/// non-negative labels). Throws DataError naming the file.
IdxImageSet read_idx_image_set(const std::string& images_path);

/// The test images file beside a training images file, if there is one.
std::optional<std::string> idx_test_images_path(const std::string& images_path);

}  // namespace xgrad::nn
