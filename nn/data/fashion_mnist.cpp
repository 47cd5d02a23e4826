#include "xgrad/nn/data/fashion_mnist.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/idx.hpp"

namespace xgrad::nn {
namespace {

constexpr std::string_view kWhat = "fashion-mnist";
constexpr core::Index kSide = 28;

// "<dir>/<stem>.gz" as Debian ships them, or "<dir>/<stem>" once gunzipped.
std::string find_file(const std::string& dir, const std::string& stem) {
  namespace fs = std::filesystem;
  for (const std::string& name : {stem + ".gz", stem}) {
    const fs::path p = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  throw DataError(fmt::format("{}: {}: neither {}.gz nor {} is there (install Debian's dataset-fashion-mnist or pass another dir)",
                              kWhat, dir, stem, stem));
}

core::Tensor<float> load_images(const std::string& path, bool flatten) {
  IdxArray a = read_idx(path, kWhat);
  if (a.type != IdxType::U8 || a.shape.rank() != 3 || a.shape[1] != kSide || a.shape[2] != kSide)
    throw DataError(fmt::format("{}: {}: expected unsigned byte images of sizes (N, 28, 28), found {} sizes {}", kWhat, path,
                                idx_type_name(a.type), a.shape.str()));
  const core::Index n = a.shape[0];
  core::Tensor<float> x = a.to_float(1.0 / 255.0);
  return flatten ? std::move(x).reshape({n, kSide * kSide}) : std::move(x).reshape({n, 1, kSide, kSide});
}

core::IndexTensor load_labels(const std::string& path, core::Index n_images) {
  IdxArray a = read_idx(path, kWhat);
  if (a.type != IdxType::U8 || a.shape.rank() != 1)
    throw DataError(fmt::format("{}: {}: expected unsigned byte labels of sizes (N), found {} sizes {}", kWhat, path,
                                idx_type_name(a.type), a.shape.str()));
  if (a.shape[0] != n_images)
    throw DataError(fmt::format("{}: {}: {} labels for {} images", kWhat, path, a.shape[0], n_images));
  core::IndexTensor labels = a.to_index();
  for (core::Index i = 0; i < labels.numel(); ++i)
    if (labels.data()[i] > 9) throw DataError(fmt::format("{}: {}: label {} at index {} is not a class 0..9", kWhat, path, labels.data()[i], i));
  return labels;
}

}  // namespace

struct FashionMnist::Loaded {
  core::Tensor<float> x;
  core::IndexTensor labels;
  std::string images_path, labels_path;
};

FashionMnist::FashionMnist(const FashionMnistOptions& options)
    : FashionMnist([&] {
        const std::string split = options.train ? "train" : "t10k";
        Loaded l;
        l.images_path = find_file(options.dir, split + "-images-idx3-ubyte");
        l.labels_path = find_file(options.dir, split + "-labels-idx1-ubyte");
        l.x = load_images(l.images_path, options.flatten);
        l.labels = load_labels(l.labels_path, l.x.size(0));
        return l;
      }()) {}

FashionMnist::FashionMnist(Loaded&& l)
    : TensorDataset(std::move(l.x), {}, std::move(l.labels)),
      images_path_(std::move(l.images_path)),
      labels_path_(std::move(l.labels_path)) {}

}  // namespace xgrad::nn
