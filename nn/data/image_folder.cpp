#include "xgrad/nn/data/image_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/data/png.hpp"

namespace xgrad::nn {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kWhat = "image folder";

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (!hidden(e.path()) && (directories ? e.is_directory() : e.is_regular_file())) out.push_back(e.path());
  if (ec) throw DataError(fmt::format("{}: {}: {}", kWhat, dir.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

/// The files of one class folder, at any depth, in sorted order.
std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(it->path());
  }
  if (ec) throw DataError(fmt::format("{}: {}: {}", kWhat, dir.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

struct Decoded {
  std::vector<Image> images;
  std::vector<core::Index> labels;
};

void decode_class(const std::vector<fs::path>& files, core::Index label, const ImageFolderOptions& o, Decoded& d,
                  std::vector<std::string>& skipped) {
  for (const fs::path& file : files) {
    try {
      Image image = decode_png(read_file_bytes(file.string(), "png"), file.string());
      d.images.push_back(resize_image(image, o.size, o.size));
      d.labels.push_back(label);
    } catch (const DataError& e) {
      if (!o.skip_bad) throw DataError(fmt::format("{} (pass --skip-bad to leave such files out)", e.what()));
      skipped.push_back(e.what());
    }
  }
}

}  // namespace

bool has_train_test_folders(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "train", ec) && fs::is_directory(fs::path(dir) / "test", ec);
}

struct ImageFolder::Loaded {
  core::Tensor<float> x;
  core::IndexTensor labels;
  std::vector<std::string> classes, skipped;
  core::Index channels = 0;
};

ImageFolder::ImageFolder(const ImageFolderOptions& o)
    : ImageFolder([&] {
        if (o.size < 1) throw core::ValueError(fmt::format("{}: image size must be positive (got {})", kWhat, o.size));
        std::error_code ec;
        if (!fs::is_directory(o.dir, ec)) throw DataError(fmt::format("{}: {}: not a directory", kWhat, o.dir));
        Loaded l;
        Decoded d;
        const std::vector<fs::path> class_dirs = sorted_entries(o.dir, true);
        if (class_dirs.empty()) {
          l.classes.push_back(fs::path(o.dir).filename().string());
          decode_class(sorted_entries(o.dir, false), 0, o, d, l.skipped);
        }
        for (const fs::path& c : class_dirs) {
          l.classes.push_back(c.filename().string());
          decode_class(files_under(c), static_cast<core::Index>(l.classes.size()) - 1, o, d, l.skipped);
        }
        if (d.images.empty())
          throw DataError(fmt::format("{}: {}: no readable PNG images{}", kWhat, o.dir,
                                      l.skipped.empty() ? "" : fmt::format(" ({} files skipped)", l.skipped.size())));
        for (const Image& im : d.images) l.channels = std::max(l.channels, im.channels);
        const core::Index n = static_cast<core::Index>(d.images.size()), row = l.channels * o.size * o.size;
        l.x = core::Tensor<float>(core::Shape{n, row});
        l.labels = core::IndexTensor(core::Shape{n});
        for (core::Index i = 0; i < n; ++i) {
          const Image im = with_channels(d.images[i], l.channels);
          std::copy(im.pixels.begin(), im.pixels.end(), l.x.data() + i * row);
          l.labels.data()[i] = d.labels[i];
        }
        if (!o.flatten) l.x = std::move(l.x).reshape({n, l.channels, o.size, o.size});
        return l;
      }()) {}

ImageFolder::ImageFolder(Loaded&& l)
    : TensorDataset(std::move(l.x), {}, std::move(l.labels)),
      classes_(std::move(l.classes)),
      skipped_(std::move(l.skipped)),
      channels_(l.channels) {}

}  // namespace xgrad::nn
