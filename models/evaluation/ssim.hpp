#pragma once
// The structural similarity index (Wang, Bovik, Sheikh & Simoncelli 2004) of images
// against their clean originals: the restoration figure beside the PSNR, closer to what
// a viewer sees (it compares local means, contrasts and structure, not pixel errors).
// Local statistics are Gaussian-weighted (11 x 11, sigma 1.5) over the windows that fit
// inside the image ("valid"), as in the authors' reference implementation, with
// C1 = (0.01 L)^2 and C2 = (0.03 L)^2 for a data range L.
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::models {

struct SsimOptions {
  core::Index window = 11;  ///< side of the Gaussian window (shrunk to the image's smaller side, kept odd)
  double sigma = 1.5;
  double range = 1.0;  ///< data range L of a pixel ([0, 1] images)
};

/// The mean SSIM of each image (row) of `images` against the same row of `clean`; a row
/// holds `channels` planes of height x width (rows may be flat or shaped); channels are
/// scored apart and averaged. ShapeError when the sizes do not match.
std::vector<double> ssim_per_image(const core::Tensor<float>& images, const core::Tensor<float>& clean,
                                   core::Index height, core::Index width, core::Index channels = 1,
                                   const SsimOptions& options = {});

}  // namespace xgrad::models
