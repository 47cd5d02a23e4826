#pragma once
// PNG images through libpng: decoding any PNG (grey, grey + alpha, palette, RGB, RGBA;
// 1 to 16 bits; interlaced or not) to 8-bit grey or RGB, encoding 8-bit grey or RGB,
// and resizing. Alpha is dropped (the stored colour is kept), so an image has 1 or 3
// channels — which also keeps a flat row of C * S * S values unambiguous: 3 S^2 is never
// a square number, so grey and colour square images cannot be confused.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/core/shape.hpp"

namespace xgrad::nn {

/// An image as floats in [0, 1], channel-major (C, H, W) like a tensor row.
struct Image {
  core::Index channels = 0, height = 0, width = 0;
  std::vector<float> pixels;  ///< channels * height * width values
};

/// Largest side decode_png accepts (a guard against a header that claims gigapixels).
inline constexpr std::uint32_t kMaxPngSide = 8192;

/// Decodes PNG bytes. Throws DataError "png: <source>: <problem>" for anything that is
/// not a readable PNG (wrong signature, corrupt or truncated data, too large).
Image decode_png(std::string_view bytes, const std::string& source);

/// Encodes 8-bit pixels, interleaved (H, W, C) with C = 1 (grey) or 3 (RGB), as PNG bytes.
std::string encode_png(const std::vector<std::uint8_t>& pixels, int height, int width, int channels);

/// The image stretched to height x width by area averaging (each output pixel is the
/// mean of the source area it covers, so shrinking does not alias).
Image resize_image(const Image& image, core::Index height, core::Index width);

/// A grey image repeated to 3 channels; an image that has `channels` already, unchanged.
Image with_channels(const Image& image, core::Index channels);

}  // namespace xgrad::nn
