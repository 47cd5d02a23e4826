#include "image/image_grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "xgrad/nn/data/png.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

struct GridLayout {
  core::Index n = 0, channels = 1;
  int height = 0, width = 0;
};

/// The side S of flat rows of `values` = channels * S * S, or 0 when there is none.
core::Index square_side(core::Index values, core::Index channels) {
  if (values % channels != 0) return 0;
  const auto side = static_cast<core::Index>(std::lround(std::sqrt(static_cast<double>(values / channels))));
  return side * side * channels == values ? side : 0;
}

GridLayout layout_of(const core::Shape& s, int height, int width) {
  if (s.rank() == 2 && s[1] == static_cast<core::Index>(height) * width) return {s[0], 1, height, width};
  if (s.rank() == 2)
    for (core::Index c : {1, 3})
      if (const core::Index side = square_side(s[1], c)) return {s[0], c, static_cast<int>(side), static_cast<int>(side)};
  if (s.rank() == 3) return {s[0], 1, static_cast<int>(s[1]), static_cast<int>(s[2])};
  if (s.rank() == 4 && (s[1] == 1 || s[1] == 3)) return {s[0], s[1], static_cast<int>(s[2]), static_cast<int>(s[3])};
  throw core::ShapeError(fmt::format("tile_images: images of shape {} are not (N, H, W), (N, C, H, W) or (N, {}) with C 1 or 3",
                                     s.str(), height * width));
}

}  // namespace

core::Tensor<float> tile_images(const core::Tensor<float>& images, int columns, int height, int width) {
  const GridLayout g = layout_of(images.shape(), height, width);
  if (columns <= 0) throw core::ValueError("tile_images: columns must be positive");
  constexpr int gap = 2;
  const int cols = static_cast<int>(std::min<core::Index>(columns, std::max<core::Index>(g.n, 1)));
  const int rows = static_cast<int>((g.n + cols - 1) / cols);
  const int H = rows * g.height + (rows + 1) * gap, W = cols * g.width + (cols + 1) * gap;
  const core::Index C = g.channels, plane = static_cast<core::Index>(g.height) * g.width;
  core::Tensor<float> out = core::Tensor<float>::full(C == 1 ? core::Shape{H, W} : core::Shape{H, W, C}, 1.0f);
  for (core::Index i = 0; i < g.n; ++i) {
    const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
    const float* src = images.data() + i * C * plane;
    for (core::Index ch = 0; ch < C; ++ch)
      for (int y = 0; y < g.height; ++y)
        for (int x = 0; x < g.width; ++x) {
          const core::Index at = (gap + r * (g.height + gap) + y) * W + gap + c * (g.width + gap) + x;
          out.data()[at * C + ch] = std::clamp(src[ch * plane + y * g.width + x], 0.0f, 1.0f);
        }
  }
  return out;
}

void write_png(const std::string& path, const core::Tensor<float>& image) {
  const bool colour = image.dim() == 3 && image.size(2) == 3;
  if (image.dim() != 2 && !colour)
    throw core::ShapeError(fmt::format("write_png: image of shape {} is not (H, W) or (H, W, 3)", image.shape().str()));
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(image.numel()));
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<std::uint8_t>(std::lround(std::clamp(image.data()[i], 0.0f, 1.0f) * 255.0f));
  try {
    nn::write_file_atomic(path, nn::encode_png(pixels, static_cast<int>(image.size(0)), static_cast<int>(image.size(1)),
                                               colour ? 3 : 1));
  } catch (const core::ValueError&) {
    throw core::Error(fmt::format("write_png: {}: libpng failed to encode the image", path));
  }
}

}  // namespace xgrad::apps
