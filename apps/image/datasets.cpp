#include "image/datasets.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <numeric>

#include "common/cli.hpp"
#include "xgrad/nn/data/dsprites.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"
#include "xgrad/nn/data/idx_images.hpp"
#include "xgrad/nn/data/image_folder.hpp"
#include "xgrad/nn/data/label_subset.hpp"
#include "xgrad/nn/data/tabular.hpp"

namespace xgrad::apps {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<const nn::Dataset> first_n(std::shared_ptr<const nn::Dataset> d, std::int64_t n) {
  if (n <= 0 || n >= d->size()) return d;
  std::vector<core::Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), core::Index{0});
  return std::make_shared<nn::Subset>(std::move(d), std::move(idx));
}

void check_data_dir(const std::string& dir) {
  if (!fs::exists(dir))
    throw UsageError(fmt::format("data directory {} does not exist (install Debian's dataset-fashion-mnist or pass --data DIR)", dir));
}

constexpr std::int64_t kDSpritesTest = 10000;

std::shared_ptr<const nn::Dataset> dsprites(std::int64_t count, std::uint64_t seed, bool flatten) {
  if (count < 0 || count > nn::DSprites::kCombinations)
    throw UsageError(fmt::format("dsprites: --limit must be in [0, {}] (got {})", nn::DSprites::kCombinations, count));
  return std::make_shared<nn::DSprites>(nn::DSpritesOptions{.count = count, .seed = seed, .flatten = flatten});
}

bool is_csv(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".csv";
}

DataShape image_shape(std::int64_t channels, std::int64_t height, std::int64_t width) {
  return {.channels = channels, .height = height, .width = width, .features = channels * height * width};
}

/// The seeded split of data that has none.
std::pair<std::shared_ptr<const nn::Dataset>, std::shared_ptr<const nn::Dataset>> split(
    std::shared_ptr<const nn::Dataset> all, const DataOptions& o) {
  if (!(o.test_fraction > 0 && o.test_fraction < 1))
    throw UsageError(fmt::format("the test fraction must be in (0, 1) (got {})", o.test_fraction));
  auto [train, test] = nn::train_validation_split(std::move(all), o.test_fraction, o.split_seed);
  if (train->size() == 0 || test->size() == 0)
    throw UsageError(fmt::format("{}: too few rows ({}) to hold out a test set", o.dir, train->size() + test->size()));
  return {train, test};
}

std::shared_ptr<const nn::Dataset> idx_dataset(nn::IdxImageSet s, bool flatten) {
  const core::Index n = s.x.size(0);
  core::Tensor<float> x = flatten ? std::move(s.x).reshape({n, -1}) : std::move(s.x);
  return std::make_shared<nn::TensorDataset>(std::move(x), core::Tensor<float>{}, std::move(s.labels));
}

/// "0", "1", ...: the classes of integer labels, up to the largest seen.
std::vector<std::string> numbered_classes(const std::vector<const core::IndexTensor*>& labels) {
  core::Index classes = 0;
  for (const core::IndexTensor* l : labels)
    for (core::Index i = 0; l->defined() && i < l->numel(); ++i) classes = std::max(classes, l->data()[i] + 1);
  std::vector<std::string> names;
  for (core::Index c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

Datasets load_idx_file(const DataOptions& o) {
  nn::IdxImageSet train = nn::read_idx_image_set(o.dir);
  Datasets ds;
  ds.shape = image_shape(1, train.x.size(2), train.x.size(3));
  const auto test_path = nn::idx_test_images_path(o.dir);
  if (!test_path) {
    ds.classes = numbered_classes({&train.labels});
    std::tie(ds.train, ds.test) = split(idx_dataset(std::move(train), o.flatten), o);
    return ds;
  }
  nn::IdxImageSet test = nn::read_idx_image_set(*test_path);
  if (test.x.size(2) != ds.shape.height || test.x.size(3) != ds.shape.width)
    throw nn::DataError(fmt::format("idx: {}: images of {}x{}, but the training images are {}x{}", *test_path,
                                    test.x.size(2), test.x.size(3), ds.shape.height, ds.shape.width));
  ds.classes = numbered_classes({&train.labels, &test.labels});
  ds.train = idx_dataset(std::move(train), o.flatten), ds.test = idx_dataset(std::move(test), o.flatten);
  return ds;
}

Datasets load_csv(const DataOptions& o) {
  nn::TabularOptions t;
  if (o.label_column.starts_with("#")) {
    try {
      t.label = nn::CsvColumn(std::stoi(o.label_column.substr(1)));
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--label-column {}: expected a column name or #N (0-based)", o.label_column));
    }
  } else if (!o.label_column.empty()) {
    t.label = nn::CsvColumn(o.label_column);
  }
  const nn::TabularData table = nn::read_tabular(o.dir, t);
  const nn::TabularSplit s = nn::split_tabular(table, o.test_fraction, o.split_seed);
  if (s.train->size() == 0 || s.test->size() == 0)
    throw UsageError(fmt::format("{}: too few rows ({}) to hold out a test set", o.dir, table.x.size(0)));
  const std::int64_t d = table.x.size(1);
  return {s.train, s.test, DataShape{.channels = 1, .height = 1, .width = d, .features = d, .tabular = true}, table.classes};
}

std::shared_ptr<nn::ImageFolder> image_folder(const std::string& dir, const DataOptions& o) {
  auto f = std::make_shared<nn::ImageFolder>(
      nn::ImageFolderOptions{.dir = dir, .size = o.image_size, .skip_bad = o.skip_bad, .flatten = o.flatten});
  if (!f->skipped().empty() && o.note_skipped)
    fmt::print(stderr, "{}: skipped {} file(s) that are not readable PNG images (first: {})\n", dir, f->skipped().size(),
               f->skipped().front());
  return f;
}

Datasets load_image_folder(const DataOptions& o) {
  if (o.image_size < 4 || o.image_size > 1024)
    throw UsageError(fmt::format("--image-size must be in [4, 1024] (got {})", o.image_size));
  Datasets ds;
  if (nn::has_train_test_folders(o.dir)) {
    auto train = image_folder((fs::path(o.dir) / "train").string(), o), test = image_folder((fs::path(o.dir) / "test").string(), o);
    if (train->classes() != test->classes())
      throw nn::DataError(fmt::format("image folder: {}: train/ and test/ have different class folders", o.dir));
    ds.shape = image_shape(std::max(train->channels(), test->channels()), o.image_size, o.image_size);
    if (train->channels() != test->channels())
      throw nn::DataError(fmt::format("image folder: {}: train/ has {} channel(s), test/ {}", o.dir, train->channels(), test->channels()));
    ds.classes = train->classes();
    ds.train = train, ds.test = test;
    return ds;
  }
  auto all = image_folder(o.dir, o);
  ds.shape = image_shape(all->channels(), o.image_size, o.image_size);
  ds.classes = all->classes();
  std::tie(ds.train, ds.test) = split(all, o);
  return ds;
}

/// Loads both splits of any kind of data (the limits are applied by the caller).
Datasets load_all(const DataOptions& o) {
  if (is_dsprites(o.dir)) {
    const DataShape shape = image_shape(1, nn::DSprites::kSide, nn::DSprites::kSide);
    return {dsprites(o.limit, 1, o.flatten), dsprites(o.test_limit > 0 ? o.test_limit : kDSpritesTest, 2, o.flatten), shape, {}};
  }
  check_data_dir(o.dir);
  if (fs::is_directory(o.dir) && is_mnist_dir(o.dir)) return load_fashion_mnist(o);
  if (fs::is_directory(o.dir)) return load_image_folder(o);
  if (is_csv(o.dir)) return load_csv(o);
  return load_idx_file(o);
}

}  // namespace

bool is_dsprites(const std::string& dir) { return dir == "dsprites"; }

bool is_mnist_dir(const std::string& dir) {
  return fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz") || fs::exists(fs::path(dir) / "train-images-idx3-ubyte");
}

bool is_tabular(const DataOptions& options) { return is_csv(options.dir); }

Datasets load_datasets(const DataOptions& o) {
  Datasets ds = load_all(o);
  if (!is_dsprites(o.dir)) ds.train = first_n(ds.train, o.limit), ds.test = first_n(ds.test, o.test_limit);
  if (!o.classes.empty() || o.per_class > 0) ds.train = nn::label_subset(ds.train, o.classes, o.per_class);
  return ds;
}

std::shared_ptr<const nn::Dataset> load_test_set(const DataOptions& options, std::int64_t limit) {
  DataOptions o = options;
  o.test_limit = limit;
  if (is_dsprites(o.dir)) return dsprites(limit > 0 ? limit : kDSpritesTest, 2, o.flatten);
  if (fs::is_directory(o.dir) && is_mnist_dir(o.dir)) {
    auto test = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.dir = o.dir, .train = false, .flatten = o.flatten});
    return first_n(test, limit);
  }
  return load_datasets(o).test;
}

std::shared_ptr<const nn::Dataset> load_test_set(DataOptions options, std::int64_t limit, bool flatten) {
  options.flatten = flatten;
  return load_test_set(options, limit);
}

Datasets load_fashion_mnist(const DataOptions& o) {
  check_data_dir(o.dir);
  auto train = std::make_shared<nn::FashionMnist>(nn::FashionMnistOptions{.dir = o.dir, .train = true, .flatten = o.flatten});
  Datasets ds{first_n(train, o.limit), load_test_set(o, o.test_limit), image_shape(1, 28, 28), {}};
  for (std::string_view name : nn::FashionMnist::class_names) ds.classes.emplace_back(name);
  return ds;
}

}  // namespace xgrad::apps
