#include "xgrad/nn/data/png.hpp"

#include <fmt/format.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "xgrad/nn/data/error.hpp"

namespace xgrad::nn {
namespace {

/// Where libpng reads from and what it said before failing.
struct ReadState {
  std::string_view bytes;
  std::size_t at = 0;
  char message[256] = "";
};

void read_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* s = static_cast<ReadState*>(png_get_io_ptr(png));
  if (length > s->bytes.size() - s->at) png_error(png, "truncated data");
  std::memcpy(out, s->bytes.data() + s->at, length);
  s->at += length;
}

void on_error(png_structp png, png_const_charp message) {
  auto* s = static_cast<ReadState*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof s->message, "%s", message);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}  // libpng recovers from what it warns about

/// Everything that may longjmp, kept free of C++ objects with destructors: the buffers
/// belong to the caller, so a jump out of libpng skips no destructor.
bool decode_into(png_structp png, png_infop info, std::vector<png_byte>& pixels, std::vector<png_bytep>& rows,
                 png_uint_32& w, png_uint_32& h, int& channels) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_user_limits(png, kMaxPngSide, kMaxPngSide);
  png_read_info(png, info);
  png_set_expand(png);  // palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  channels = png_get_channels(png, info);
  const std::size_t row = png_get_rowbytes(png, info);
  if (row != static_cast<std::size_t>(w) * static_cast<std::size_t>(channels)) png_error(png, "unexpected row layout");
  pixels.resize(row * h);
  rows.resize(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = pixels.data() + y * row;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

Image decode_png(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0)
    throw DataError(fmt::format("png: {}: not a PNG image (no PNG signature)", source));
  ReadState state{bytes};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw DataError(fmt::format("png: {}: out of memory", source));
  }
  png_set_read_fn(png, &state, read_bytes);
  std::vector<png_byte> pixels;
  std::vector<png_bytep> rows;
  png_uint_32 w = 0, h = 0;
  int channels = 0;
  const bool ok = decode_into(png, info, pixels, rows, w, h, channels);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) throw DataError(fmt::format("png: {}: corrupt or truncated PNG ({})", source, state.message));
  if (channels != 1 && channels != 3) throw DataError(fmt::format("png: {}: {} channels after decoding", source, channels));
  Image image{channels, static_cast<core::Index>(h), static_cast<core::Index>(w), {}};
  image.pixels.resize(pixels.size());
  const std::size_t plane = static_cast<std::size_t>(w) * h;
  for (std::size_t p = 0; p < plane; ++p)
    for (int c = 0; c < channels; ++c) image.pixels[c * plane + p] = static_cast<float>(pixels[p * channels + c]) / 255.0f;
  return image;
}

namespace {
void append_bytes(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), length);
}
void no_flush(png_structp) {}

bool encode_into(png_structp png, png_infop info, const std::vector<std::uint8_t>& pixels, int h, int w, int channels) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8,
               channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const std::size_t row = static_cast<std::size_t>(w) * channels;
  for (int y = 0; y < h; ++y) png_write_row(png, const_cast<png_bytep>(pixels.data() + y * row));
  png_write_end(png, nullptr);
  return true;
}
}  // namespace

std::string encode_png(const std::vector<std::uint8_t>& pixels, int height, int width, int channels) {
  if ((channels != 1 && channels != 3) || height < 1 || width < 1 ||
      pixels.size() != static_cast<std::size_t>(height) * width * channels)
    throw core::ValueError(fmt::format("encode_png: {} bytes are not a {}x{} image of 1 or 3 channels ({})", pixels.size(),
                                       height, width, channels));
  std::string bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png && info) png_set_write_fn(png, &bytes, append_bytes, no_flush);
  const bool ok = png && info && encode_into(png, info, pixels, height, width, channels);
  png_destroy_write_struct(&png, &info);
  if (!ok) throw core::Error("encode_png: libpng failed to encode the image");
  return bytes;
}

namespace {
/// weights[o] = the (source index, share) pairs of output pixel o: the overlap of
/// [o n / m, (o + 1) n / m) with each source pixel, divided by the interval's length.
std::vector<std::vector<std::pair<core::Index, double>>> area_weights(core::Index n, core::Index m) {
  std::vector<std::vector<std::pair<core::Index, double>>> w(static_cast<std::size_t>(m));
  const double scale = static_cast<double>(n) / static_cast<double>(m);
  for (core::Index o = 0; o < m; ++o) {
    const double lo = o * scale, hi = (o + 1) * scale;
    for (auto i = static_cast<core::Index>(lo); i < n && i < hi; ++i) {
      const double overlap = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
      if (overlap > 0) w[o].emplace_back(i, overlap / scale);
    }
  }
  return w;
}
}  // namespace

Image resize_image(const Image& in, core::Index height, core::Index width) {
  if (height < 1 || width < 1) throw core::ValueError(fmt::format("resize_image: size {}x{} is not positive", height, width));
  if (in.height == height && in.width == width) return in;
  const auto wy = area_weights(in.height, height), wx = area_weights(in.width, width);
  Image out{in.channels, height, width, std::vector<float>(static_cast<std::size_t>(in.channels * height * width))};
  std::vector<double> rows(static_cast<std::size_t>(height * in.width));  // resized along y first
  for (core::Index c = 0; c < in.channels; ++c) {
    const float* src = in.pixels.data() + c * in.height * in.width;
    std::fill(rows.begin(), rows.end(), 0.0);
    for (core::Index y = 0; y < height; ++y)
      for (const auto& [sy, share] : wy[y])
        for (core::Index x = 0; x < in.width; ++x) rows[y * in.width + x] += share * src[sy * in.width + x];
    float* dst = out.pixels.data() + c * height * width;
    for (core::Index y = 0; y < height; ++y)
      for (core::Index x = 0; x < width; ++x) {
        double v = 0;
        for (const auto& [sx, share] : wx[x]) v += share * rows[y * in.width + sx];
        dst[y * width + x] = static_cast<float>(std::clamp(v, 0.0, 1.0));
      }
  }
  return out;
}

Image with_channels(const Image& image, core::Index channels) {
  if (image.channels == channels) return image;
  if (image.channels != 1 || channels != 3)
    throw core::ValueError(fmt::format("with_channels: cannot turn {} channels into {}", image.channels, channels));
  Image out = image;
  out.channels = 3;
  out.pixels.reserve(image.pixels.size() * 3);
  for (int c = 1; c < 3; ++c) out.pixels.insert(out.pixels.end(), image.pixels.begin(), image.pixels.end());
  return out;
}

}  // namespace xgrad::nn
