#pragma once
// The data of --data, for every image command: one entry point, load_datasets, that
// returns the train and test sets with their labels and what a row is (DataShape).
//   a Fashion-MNIST-like directory (train-images-idx3-ubyte[.gz], ...: MNIST too)
//   dsprites                the generated dSprites (nn/data/dsprites.hpp)
//   FILE of IDX images      any MNIST-like set by its images file (nn/data/idx_images.hpp)
//   FILE.csv                tabular rows (nn/data/tabular.hpp): standardised, a Gaussian likelihood
//   a folder of PNG images  nn/data/image_folder.hpp, resized to --image-size
// Data without a split of its own (a folder without train/ and test/, an IDX file
// without its t10k/test file, a CSV) is split with a fixed seed: the same test rows for
// every run and every command.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::apps {

struct DataOptions {
  /// A Fashion-MNIST directory, or "dsprites": the generated dSprites (nn/data/dsprites.hpp),
  /// whose training set is `limit` combinations drawn at random (0: all 737,280) and whose test
  /// set `test_limit` others (0: 10,000), drawn from the same 737,280 (there is no held-out split).
  /// Or an IDX images file, a CSV file, a folder of PNG images (see above).
  std::string dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t limit = 0;       ///< use only the first N training images (0 = all)
  std::int64_t test_limit = 0;  ///< use only the first N test images (0 = all)
  bool flatten = true;
  std::int64_t image_size = 32;  ///< image folders: the side images are resized to
  bool skip_bad = false;         ///< image folders: leave out files that are not readable PNGs
  std::string label_column{};    ///< CSV: the column of class labels (a name, or #N for the N-th, 0-based)
  double test_fraction = 0.2;    ///< data without a split: the share of rows held out for testing
  std::uint64_t split_seed = 0;  ///< ... and the seed of that split
  std::vector<std::int64_t> classes{};  ///< train only on these labels (empty: all), e.g. the normal classes of `anomaly`
  std::int64_t per_class = 0;         ///< train only on the first N rows of each label (0: all)
  /// Image folders with skip_bad: say on stderr how many files were left out. A command that
  /// reads the same folder again (augment: once per model) says it the first time only.
  bool note_skipped = true;
};

/// What a row of the data is: an image of channels x height x width, or `features`
/// real values of a tabular row.
struct DataShape {
  std::int64_t channels = 1, height = 28, width = 28;
  std::int64_t features = 784;  ///< values a row (channels * height * width for images)
  bool tabular = false;
};

struct Datasets {
  std::shared_ptr<const nn::Dataset> train, test;
  DataShape shape;
  std::vector<std::string> classes;  ///< names of the class ids (empty when the labels are not classes)
};

/// Throws UsageError for a missing path or a bad option, DataError for malformed files.
/// The training rows are those kept by `classes` and `per_class`.
Datasets load_datasets(const DataOptions& options);
/// Fashion-MNIST (or any directory of MNIST's four files).
Datasets load_fashion_mnist(const DataOptions& options);
/// --data dsprites.
bool is_dsprites(const std::string& dir);
/// A directory of MNIST's four files (the layout of Debian's dataset-fashion-mnist).
bool is_mnist_dir(const std::string& dir);
/// --data FILE.csv: rows of values, not pictures.
bool is_tabular(const DataOptions& options);
/// The test split of `options` (its first `limit` rows, 0: all).
std::shared_ptr<const nn::Dataset> load_test_set(const DataOptions& options, std::int64_t limit);
/// The same, with rows flattened or kept as images whatever `options.flatten` says.
std::shared_ptr<const nn::Dataset> load_test_set(DataOptions options, std::int64_t limit, bool flatten);

}  // namespace xgrad::apps
