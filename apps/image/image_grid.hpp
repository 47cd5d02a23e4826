#pragma once
// Grids of images as PNG files: samples, reconstructions, traversals; grey or colour.
#include <string>

#include "xgrad/core/tensor.hpp"

namespace xgrad::apps {

/// Tiles images (N, H, W), (N, C, H, W) or flat rows (N, C*H*W), C = 1 or 3, values in
/// [0, 1] (clamped), into rows of `columns` with a 2-pixel white gap. Flat rows are
/// height x width when they have that many values, else square: S*S values grey, 3*S*S
/// colour (3 S^2 is never a square, so the two cannot be confused).
/// Returns (H, W) for grey images, (H, W, 3) for colour ones.
core::Tensor<float> tile_images(const core::Tensor<float>& images, int columns, int height = 28, int width = 28);

/// Writes a (H, W) grey or (H, W, 3) colour image in [0, 1] as an 8-bit PNG, atomically.
void write_png(const std::string& path, const core::Tensor<float>& image);

}  // namespace xgrad::apps
