#pragma once
// How well a model restores corrupted images: the peak signal-to-noise ratio of its
// outputs decode(encode(x~)) against the clean images x, next to the corrupted input's
// own. Shared by `xgrad eval --corruption` and any denoising command.
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::models {

/// PSNR in dB of each image (row) of `images` against the same row of `clean`, pixels in
/// [0, 1]: 10 log10(1 / MSE), the MSE floored at 1e-10 so an exact copy scores 100 dB.
std::vector<double> psnr_per_image(const Tensor& images, const Tensor& clean);

struct Restoration {
  double output_psnr = 0;  ///< mean over images of the PSNR of the model's outputs (dB)
  double input_psnr = 0;   ///< mean over images of the PSNR of the corrupted inputs themselves
  Index images = 0;
};

/// The model's restorations of `corrupted` (batches with x the corrupted images and y the
/// clean ones, as nn::CorruptedDataset gives), in eval mode without recording a graph.
Restoration restoration_psnr(GenerativeModel& model, const nn::Dataset& corrupted, Index batch_size = 500);

}  // namespace xgrad::models
