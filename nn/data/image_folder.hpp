#pragma once
// A folder of PNG images, labelled as torchvision's ImageFolder labels them: each
// subfolder is a class (named by the folder, ids in sorted name order) and holds the
// images of that class, at any depth; a folder without subfolders is one class. Files
// beside the class folders and hidden files (".name") are not read.
// Every image is resized to size x size (nn::resize_image) and kept at its channel
// count; a folder that mixes grey and colour images is colour (the grey ones are
// repeated to 3 channels). Files are read in sorted path order, so rows are the same
// on every machine.
#include <string>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct ImageFolderOptions {
  std::string dir;
  core::Index size = 32;  ///< side of the square images
  /// false: the first file that is not a readable PNG throws DataError naming it;
  /// true: such files are left out and listed in skipped().
  bool skip_bad = false;
  bool flatten = true;  ///< x is (N, C * size * size); otherwise (N, C, size, size)
};

/// x = images in [0, 1], labels = class ids.
class ImageFolder : public TensorDataset {
 public:
  explicit ImageFolder(const ImageFolderOptions& options);

  const std::vector<std::string>& classes() const { return classes_; }
  core::Index channels() const { return channels_; }
  /// The files left out under skip_bad, with the reason for each.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  struct Loaded;
  explicit ImageFolder(Loaded&& loaded);
  std::vector<std::string> classes_, skipped_;
  core::Index channels_ = 0;
};

/// True when `dir` holds "train" and "test" subfolders: a folder that brings its own split.
bool has_train_test_folders(const std::string& dir);

}  // namespace xgrad::nn
