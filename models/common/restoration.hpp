#pragma once
// How well a model restores corrupted images: the peak signal-to-noise ratio and the
// structural similarity (models/evaluation/ssim.hpp) of its outputs decode(encode(x~))
// against the clean images x, next to the corrupted input's own. Shared by
// `xgrad eval --corruption` and `xgrad denoise`.
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::models {

/// PSNR in dB of each image (row) of `images` against the same row of `clean`, pixels in
/// [0, 1]: 10 log10(1 / MSE), the MSE floored at 1e-10 so an exact copy scores 100 dB.
std::vector<double> psnr_per_image(const Tensor& images, const Tensor& clean);

/// The planes of an image row: (B, C, H, W), (B, H, W), or flat (B, D) with D a square
/// (one channel) or three times a square (colour: 3 S^2 is never a square, as tile_images
/// relies on too); all zero when x says neither.
struct ImageShape {
  Index channels = 0, height = 0, width = 0;
};
ImageShape image_shape_of(const Tensor& x);

struct Restoration {
  double output_psnr = 0;  ///< mean over images of the PSNR of the model's outputs (dB)
  double input_psnr = 0;   ///< mean over images of the PSNR of the corrupted inputs themselves
  double output_ssim = 0;  ///< mean SSIM of the outputs (NaN when the rows' image shape is unknown)
  double input_ssim = 0;   ///< mean SSIM of the corrupted inputs
  Index images = 0;
};

/// The model's restorations of `corrupted` (batches with x the corrupted images and y the
/// clean ones, as nn::CorruptedDataset gives), in eval mode without recording a graph.
Restoration restoration_psnr(GenerativeModel& model, const nn::Dataset& corrupted, Index batch_size = 500);

}  // namespace xgrad::models
