#include "xgrad/nn/data/idx_images.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/idx.hpp"

namespace xgrad::nn {
namespace {

namespace fs = std::filesystem;

/// The path with the first `from` in its file name replaced by `to`, if the name has one.
std::optional<std::string> renamed(const std::string& path, const std::string& from, const std::string& to) {
  const fs::path p(path);
  std::string name = p.filename().string();
  const std::size_t at = name.find(from);
  if (at == std::string::npos) return std::nullopt;
  name.replace(at, from.size(), to);
  return (p.parent_path() / name).string();
}

bool is_file(const std::optional<std::string>& path) {
  std::error_code ec;
  return path && fs::is_regular_file(*path, ec);
}

}  // namespace

IdxImageSet read_idx_image_set(const std::string& images_path) {
  IdxImageSet s;
  s.images_path = images_path;
  core::Tensor<float> x = read_idx_images(images_path, "idx");
  if (x.dim() != 3) throw DataError(fmt::format("idx: {}: images need sizes (N, H, W), found {}", images_path, x.shape().str()));
  const core::Index n = x.size(0), h = x.size(1), w = x.size(2);
  s.x = std::move(x).reshape({n, 1, h, w});
  std::optional<std::string> labels = renamed(images_path, "images", "labels");
  if (labels) labels = renamed(*labels, "idx3", "idx1").value_or(*labels);
  if (!is_file(labels)) return s;
  s.labels_path = *labels;
  s.labels = read_idx_labels(s.labels_path, "idx");
  if (s.labels.numel() != n)
    throw DataError(fmt::format("idx: {}: {} labels for the {} images of {}", s.labels_path, s.labels.numel(), n, images_path));
  for (core::Index i = 0; i < n; ++i)
    if (s.labels.data()[i] < 0)
      throw DataError(fmt::format("idx: {}: label {} at index {} is negative", s.labels_path, s.labels.data()[i], i));
  return s;
}

std::optional<std::string> idx_test_images_path(const std::string& images_path) {
  for (const char* test : {"t10k", "test"}) {
    const std::optional<std::string> p = renamed(images_path, "train", test);
    if (is_file(p)) return p;
  }
  return std::nullopt;
}

}  // namespace xgrad::nn
