// PNG decoding, encoding and resizing (nn/data/png.hpp).
#include <catch2/catch.hpp>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/png.hpp"

using namespace xgrad;

TEST_CASE("A grey PNG decodes to its bytes over 255", "[png]") {
  const nn::Image im = nn::decode_png(nn::encode_png({0, 51, 255, 102, 204, 153}, 2, 3, 1), "mem");
  CHECK(im.channels == 1);
  CHECK(im.height == 2);
  CHECK(im.width == 3);
  CHECK(im.pixels == std::vector<float>{0.f, 51 / 255.f, 1.f, 102 / 255.f, 204 / 255.f, 153 / 255.f});
}

TEST_CASE("A colour PNG decodes channel-major, as a tensor row (C, H, W)", "[png]") {
  // Interleaved RGB of a 1x2 image: (10, 20, 30), (40, 50, 60).
  const nn::Image im = nn::decode_png(nn::encode_png({10, 20, 30, 40, 50, 60}, 1, 2, 3), "mem");
  CHECK(im.channels == 3);
  CHECK(im.pixels == std::vector<float>{10 / 255.f, 40 / 255.f, 20 / 255.f, 50 / 255.f, 30 / 255.f, 60 / 255.f});
}

TEST_CASE("Palette, alpha, 16-bit and interlaced PNGs decode to grey or RGB", "[png]") {
  const auto seed = [](const std::string& f) { return test::read_bytes(std::string(XGRAD_SOURCE_DIR) + "/fuzz/corpus/png/" + f); };
  const nn::Image palette = nn::decode_png(seed("palette2_trns_5x3"), "palette");
  CHECK(palette.channels == 3);  // the palette's colours, its transparency dropped
  CHECK(palette.pixels[0] == 1.f);  // index 0: red
  CHECK(palette.pixels[15 + 1] == 1.f);  // index 1: green, second pixel
  const nn::Image ga = nn::decode_png(seed("grey_alpha16_2x2"), "grey+alpha");
  CHECK(ga.channels == 1);
  CHECK(ga.pixels == std::vector<float>{0.f, 1.f, 0.f, 1.f});  // 16 bits to 8, alpha dropped
  const nn::Image adam7 = nn::decode_png(seed("adam7_grey8_8x8"), "adam7");
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) CHECK(adam7.pixels[y * 8 + x] == static_cast<float>((x * 32 + y * 4) % 256) / 255.f);
}

TEST_CASE("What is not a readable PNG is one error naming the file", "[png]") {
  const std::string good = nn::encode_png(std::vector<std::uint8_t>(48, 7), 4, 4, 3);
  CHECK_THROWS_MATCHES(nn::decode_png("hello", "a/notes.png"), nn::DataError,
                       Catch::Message("png: a/notes.png: not a PNG image (no PNG signature)"));
  CHECK_THROWS_WITH(nn::decode_png(good.substr(0, good.size() / 2), "a/cut.png"),
                    Catch::StartsWith("png: a/cut.png: corrupt or truncated PNG"));
}

TEST_CASE("Resizing averages the area each output pixel covers", "[png]") {
  nn::Image im{1, 2, 4, {0.f, 0.2f, 0.4f, 0.6f, 1.f, 1.f, 0.f, 0.f}};
  const nn::Image half = nn::resize_image(im, 1, 2);
  REQUIRE(half.pixels.size() == 2);
  CHECK(half.pixels[0] == Approx((0.f + 0.2f + 1.f + 1.f) / 4));
  CHECK(half.pixels[1] == Approx((0.4f + 0.6f + 0.f + 0.f) / 4));
  const nn::Image twice = nn::resize_image(im, 4, 8);  // each pixel becomes a 2x2 block
  CHECK(twice.pixels[0] == 0.f);
  CHECK(twice.pixels[1 * 8 + 7] == Approx(0.6f));  // row 1, column 7: source row 0, column 3
  CHECK(twice.pixels[3 * 8 + 1] == 1.f);            // row 3, column 1: source row 1, column 0
  const nn::Image odd = nn::resize_image(im, 3, 3);  // stretched: still a weighted mean in [0, 1]
  for (float v : odd.pixels) CHECK((v >= 0.f && v <= 1.f));
  CHECK(odd.pixels[0] == Approx(0.25f * 0.2f));  // x covers [0, 4/3): 3/4 of pixel 0, 1/4 of pixel 1
}

TEST_CASE("A grey image joins a colour folder as three equal channels", "[png]") {
  const nn::Image grey{1, 1, 2, {0.25f, 0.5f}};
  CHECK(nn::with_channels(grey, 3).pixels == std::vector<float>{0.25f, 0.5f, 0.25f, 0.5f, 0.25f, 0.5f});
  CHECK_THROWS_AS(nn::with_channels(nn::with_channels(grey, 3), 1), core::ValueError);
}
