#pragma once
// Grids of grayscale images as PNG files: samples, reconstructions, traversals.
#include <string>

#include "xgrad/core/tensor.hpp"

namespace xgrad::apps {

/// Tiles images (N, H, W) or (N, 1, H, W) or (N, H*W) with the given side, values
/// in [0, 1] (clamped), into rows of `columns`, with a 2-pixel gap.
/// `height`/`width` are needed for flat (N, H*W) input.
core::Tensor<float> tile_images(const core::Tensor<float>& images, int columns, int height = 28, int width = 28);

/// Writes a (H, W) image in [0, 1] as an 8-bit grayscale PNG, atomically.
void write_png(const std::string& path, const core::Tensor<float>& image);

}  // namespace xgrad::apps
