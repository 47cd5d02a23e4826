#include "image/pictures.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "common/cli.hpp"
#include "image/image_grid.hpp"

namespace xgrad::apps {

core::IndexTensor sample_labels(const LoadedRun& run, std::int64_t n, int label) {
  const std::int64_t classes = class_count(run.model_config);
  if (label != -1 && (label < 0 || label >= classes))
    throw UsageError(fmt::format("--label must be in 0..{} (got {})", classes - 1, label));
  if (!run.built.caps.conditional) {
    if (label >= 0) throw UsageError(fmt::format("--label needs a conditional model; this run is '{}'", run.model_config.kind));
    return {};
  }
  core::IndexTensor labels(core::Shape({n}));
  for (std::int64_t i = 0; i < n; ++i) labels.data()[i] = label >= 0 ? label : i % classes;
  return labels;
}

void write_grid(const std::string& path, const core::Tensor<float>& images, int columns) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent))
    throw UsageError(fmt::format("cannot write {}: directory {} does not exist", path, parent.string()));
  write_png(path, tile_images(flat_images(images), columns));
}

}  // namespace xgrad::apps
