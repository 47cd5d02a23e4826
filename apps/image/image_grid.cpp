#include "image/image_grid.hpp"

#include <fmt/format.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <vector>

#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

core::Tensor<float> tile_images(const core::Tensor<float>& images, int columns, int height, int width) {
  const auto& s = images.shape();
  core::Index n = 0;
  const auto side = static_cast<core::Index>(std::lround(std::sqrt(static_cast<double>(s.rank() == 2 ? s[1] : 0))));
  if (s.rank() == 2 && s[1] == static_cast<core::Index>(height) * width) {
    n = s[0];
  } else if (s.rank() == 2 && side > 0 && side * side == s[1]) {  // square images of another size (dSprites)
    n = s[0], height = width = static_cast<int>(side);
  } else if (s.rank() == 3) {
    n = s[0], height = static_cast<int>(s[1]), width = static_cast<int>(s[2]);
  } else if (s.rank() == 4 && s[1] == 1) {
    n = s[0], height = static_cast<int>(s[2]), width = static_cast<int>(s[3]);
  } else {
    throw core::ShapeError(fmt::format("tile_images: images of shape {} are not (N, H, W), (N, 1, H, W) or (N, {})",
                                       s.str(), height * width));
  }
  if (columns <= 0) throw core::ValueError("tile_images: columns must be positive");
  constexpr int gap = 2;
  const int cols = static_cast<int>(std::min<core::Index>(columns, std::max<core::Index>(n, 1)));
  const int rows = static_cast<int>((n + cols - 1) / cols);
  const int H = rows * height + (rows + 1) * gap, W = cols * width + (cols + 1) * gap;
  core::Tensor<float> out = core::Tensor<float>::full(core::Shape{H, W}, 1.0f);
  for (core::Index i = 0; i < n; ++i) {
    const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
    const float* src = images.data() + i * height * width;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        out.data()[(gap + r * (height + gap) + y) * W + gap + c * (width + gap) + x] =
            std::clamp(src[y * width + x], 0.0f, 1.0f);
  }
  return out;
}

namespace {
void append_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}
void no_flush(png_structp) {}
}  // namespace

void write_png(const std::string& path, const core::Tensor<float>& image) {
  if (image.dim() != 2) throw core::ShapeError(fmt::format("write_png: image of shape {} is not (H, W)", image.shape().str()));
  const auto h = static_cast<png_uint_32>(image.size(0)), w = static_cast<png_uint_32>(image.size(1));
  std::vector<png_byte> pixels(static_cast<std::size_t>(h) * w);
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<png_byte>(std::lround(std::clamp(image.data()[i], 0.0f, 1.0f) * 255.0f));
  std::string bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw core::Error(fmt::format("write_png: {}: libpng failed to encode the image", path));
  }
  png_set_write_fn(png, &bytes, append_bytes, no_flush);
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (png_uint_32 y = 0; y < h; ++y) png_write_row(png, pixels.data() + static_cast<std::size_t>(y) * w);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  nn::write_file_atomic(path, bytes);
}

}  // namespace xgrad::apps
