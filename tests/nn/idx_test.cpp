#include <catch2/catch.hpp>

#include <array>
#include <cstring>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/fashion_mnist.hpp"
#include "xgrad/nn/data/idx.hpp"

using namespace xgrad;
using nn::DataError;

TEST_CASE("IDX decodes every element type from big-endian bytes", "[data]") {
  // u8 {0, 128, 255}
  auto a = nn::decode_idx(test::idx_bytes(0x08, {3}, std::string("\x00\x80\xff", 3)), "mem");
  CHECK(a.type == nn::IdxType::U8);
  CHECK(a.shape == core::Shape{3});
  CHECK(a.to_index().to_vector() == std::vector<core::Index>{0, 128, 255});
  CHECK(a.to_float(1.0 / 255).to_vector() == std::vector<float>{0.0f, 128.0f / 255.0f, 1.0f});
  // i8 {-1, 127}
  CHECK(nn::decode_idx(test::idx_bytes(0x09, {2}, std::string("\xff\x7f", 2)), "mem").to_index().to_vector() ==
        std::vector<core::Index>{-1, 127});
  // i16 {-2, 258} and i32 {-3, 65536 * 3 + 1}: byte order matters
  CHECK(nn::decode_idx(test::idx_bytes(0x0B, {2}, std::string("\xff\xfe\x01\x02", 4)), "mem").to_index().to_vector() ==
        std::vector<core::Index>{-2, 258});
  CHECK(nn::decode_idx(test::idx_bytes(0x0C, {1, 2}, std::string("\xff\xff\xff\xfd\x00\x03\x00\x01", 8)), "mem").to_index().to_vector() ==
        std::vector<core::Index>{-3, 196609});
  // f32 1.5 = 3f c0 00 00, f64 -2.25 = c0 02 00 00 00 00 00 00
  auto f = nn::decode_idx(test::idx_bytes(0x0D, {1}, std::string("\x3f\xc0\x00\x00", 4)), "mem");
  CHECK(f.to_float().item() == 1.5f);
  CHECK_THROWS_WITH(f.to_index(), Catch::Contains("float cannot be read as integer labels"));
  auto d = nn::decode_idx(test::idx_bytes(0x0E, {1, 1}, std::string("\xc0\x02\x00\x00\x00\x00\x00\x00", 8)), "mem");
  CHECK(d.shape == core::Shape{1, 1});
  CHECK(d.to_float().item() == -2.25f);
}

TEST_CASE("IDX reads gzip by content, including concatenated members, and zero-size arrays", "[data]") {
  const std::string raw = test::idx_bytes(0x08, {2, 2, 3}, "abcdefghijkl");
  auto plain = nn::decode_idx(raw, "mem");
  auto gz = nn::decode_idx(test::gzip(raw), "mem");
  CHECK(core::equal(plain.to_float(), gz.to_float()));
  CHECK(gz.shape == core::Shape{2, 2, 3});
  // gzip(1) accepts concatenated members and so do we.
  auto two = nn::decode_idx(test::gzip(raw.substr(0, 7)) + test::gzip(raw.substr(7)), "mem");
  CHECK(core::equal(plain.to_float(), two.to_float()));
  auto empty = nn::decode_idx(test::idx_bytes(0x08, {0, 28}, ""), "mem");
  CHECK(empty.to_float().numel() == 0);
  CHECK(empty.shape == core::Shape{0, 28});
}

TEST_CASE("IDX files on disk: images are scaled to 0..1, labels are rank 1", "[data]") {
  test::TempDir dir;
  std::string pixels;
  for (int i = 0; i < 2 * 2 * 2; ++i) pixels += static_cast<char>(i * 36);
  test::write_bytes(dir.file("img.gz"), test::gzip(test::idx_bytes(0x08, {2, 2, 2}, pixels)));
  test::write_bytes(dir.file("lab"), test::idx_bytes(0x08, {2}, std::string("\x03\x07", 2)));
  auto x = nn::read_idx_images(dir.file("img.gz"));
  CHECK(x.shape() == core::Shape{2, 2, 2});
  CHECK(x.at({1, 1, 1}) == Approx(252.0 / 255.0));
  CHECK(nn::read_idx_labels(dir.file("lab")).to_vector() == std::vector<core::Index>{3, 7});
  CHECK_THROWS_WITH(nn::read_idx_images(dir.file("lab")), Catch::Contains("images need rank >= 2"));
  CHECK_THROWS_WITH(nn::read_idx_labels(dir.file("img.gz")), Catch::Contains("labels need rank 1"));
  CHECK_THROWS_AS(nn::read_idx_labels(dir.file("missing")), DataError);
}

// Writes a tiny Fashion-MNIST-shaped split to `dir` (gzipped or not).
static void write_fake_split(const test::TempDir& dir, const std::string& split, int n, bool gz) {
  std::string pixels(static_cast<std::size_t>(n) * 28 * 28, '\0');
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>(i % 256);
  std::string labels;
  for (int i = 0; i < n; ++i) labels += static_cast<char>(i % 10);
  auto pack = [&](const std::string& s) { return gz ? test::gzip(s) : s; };
  const std::string ext = gz ? ".gz" : "";
  test::write_bytes(dir.file(split + "-images-idx3-ubyte" + ext), pack(test::idx_bytes(0x08, {std::uint32_t(n), 28, 28}, pixels)));
  test::write_bytes(dir.file(split + "-labels-idx1-ubyte" + ext), pack(test::idx_bytes(0x08, {std::uint32_t(n)}, labels)));
}

TEST_CASE("FashionMnist accepts another directory, gzipped or not, flat or as images", "[data]") {
  test::TempDir dir;
  write_fake_split(dir, "train", 5, true);
  write_fake_split(dir, "t10k", 3, false);
  nn::FashionMnist train({.dir = dir.path().string(), .train = true, .flatten = true});
  CHECK(train.size() == 5);
  CHECK(train.x().shape() == core::Shape{5, 784});
  CHECK(train.labels().to_vector() == std::vector<core::Index>{0, 1, 2, 3, 4});
  CHECK(train.images_path() == dir.file("train-images-idx3-ubyte.gz"));
  nn::FashionMnist test_split({.dir = dir.path().string(), .train = false, .flatten = false});
  CHECK(test_split.x().shape() == core::Shape{3, 1, 28, 28});
  CHECK(test_split.x().at({0, 0, 9, 3}) == 1.0f);               // flat index 255
  CHECK(test_split.x().at({1, 0, 0, 0}) == Approx(16 / 255.0));  // 784 % 256
  CHECK(test_split.labels_path() == dir.file("t10k-labels-idx1-ubyte"));
  auto b = test_split.get_batch({2, 0});
  CHECK(b.labels.to_vector() == std::vector<core::Index>{2, 0});
  CHECK(b.x.shape() == core::Shape{2, 1, 28, 28});
}

TEST_CASE("FashionMnist reports a missing directory, mismatched counts and bad labels", "[data]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(nn::FashionMnist({.dir = dir.file("nope")}),
                    Catch::Contains("fashion-mnist: " + dir.file("nope")) && Catch::Contains("train-images-idx3-ubyte.gz"));
  write_fake_split(dir, "train", 4, false);
  test::write_bytes(dir.file("train-labels-idx1-ubyte"), test::idx_bytes(0x08, {3}, "\x01\x02\x03"));
  CHECK_THROWS_WITH(nn::FashionMnist({.dir = dir.path().string()}), Catch::Contains("3 labels for 4 images"));
  test::write_bytes(dir.file("train-labels-idx1-ubyte"), test::idx_bytes(0x08, {4}, "\x01\x02\x0c\x03"));
  CHECK_THROWS_WITH(nn::FashionMnist({.dir = dir.path().string()}), Catch::Contains("label 12 at index 2 is not a class 0..9"));
  test::write_bytes(dir.file("train-images-idx3-ubyte"), test::idx_bytes(0x08, {1, 4, 4}, std::string(16, 'x')));
  CHECK_THROWS_WITH(nn::FashionMnist({.dir = dir.path().string()}), Catch::Contains("expected unsigned byte images of sizes (N, 28, 28)"));
}

// The installed dataset: this must fail, not skip, when Debian's package is missing.
TEST_CASE("FashionMnist reads Debian's dataset-fashion-mnist test split", "[data]") {
  nn::FashionMnist ds({.train = false});
  REQUIRE(ds.images_path() == std::string(nn::FashionMnist::kDefaultDir) + "/t10k-images-idx3-ubyte.gz");
  REQUIRE(ds.x().shape() == core::Shape{10000, 784});
  REQUIRE(ds.labels().shape() == core::Shape{10000});
  const auto [lo, hi] = std::minmax_element(ds.x().begin(), ds.x().end());
  CHECK(*lo == 0.0f);
  CHECK(*hi == 1.0f);
  std::array<int, 10> counts{};
  for (core::Index l : ds.labels()) {
    REQUIRE(l >= 0);
    REQUIRE(l < 10);
    ++counts[static_cast<std::size_t>(l)];
  }
  for (int c : counts) CHECK(c == 1000);
  // The first test image is an ankle boot (class 9), as in every Fashion-MNIST copy.
  CHECK(ds.labels().data()[0] == 9);
  CHECK(nn::FashionMnist::class_names[9] == "Ankle boot");
}
