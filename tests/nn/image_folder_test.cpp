// Folders of PNG images (nn/data/image_folder.hpp): classes from subfolders, resizing,
// channels, and files that are not images.
#include <catch2/catch.hpp>

#include <filesystem>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/image_folder.hpp"
#include "xgrad/nn/data/png.hpp"

using namespace xgrad;
namespace fs = std::filesystem;

namespace {

/// A flat-coloured image of h x w with `channels` channels, every byte `value`.
void write_image(const std::string& path, int h, int w, int channels, std::uint8_t value) {
  fs::create_directories(fs::path(path).parent_path());
  test::write_bytes(path, nn::encode_png(std::vector<std::uint8_t>(static_cast<std::size_t>(h * w * channels), value), h, w, channels));
}

/// cats/ (two colour images of two sizes), dogs/ (one grey image, one in a subfolder), a hidden file.
void write_pets(const test::TempDir& dir) {
  write_image(dir.file("cats/a.png"), 8, 8, 3, 255);
  write_image(dir.file("cats/b.png"), 12, 6, 3, 51);
  write_image(dir.file("dogs/c.png"), 4, 4, 1, 102);
  write_image(dir.file("dogs/puppies/d.png"), 8, 8, 3, 0);
  test::write_bytes(dir.file("dogs/.DS_Store"), "not read");
}

}  // namespace

TEST_CASE("Subfolders are classes in sorted order, images resized and kept in colour", "[image-folder]") {
  test::TempDir dir;
  write_pets(dir);
  const nn::ImageFolder f({.dir = dir.path().string(), .size = 4});
  CHECK(f.classes() == std::vector<std::string>{"cats", "dogs"});
  CHECK(f.channels() == 3);
  REQUIRE(f.x().shape() == core::Shape{4, 3 * 4 * 4});
  CHECK(f.labels().to_vector() == std::vector<core::Index>{0, 0, 1, 1});
  CHECK(f.x().at({0, 0}) == 1.f);
  CHECK(f.x().at({1, 47}) == Approx(0.2f));         // 12x6 stretched to 4x4: a flat colour stays flat
  CHECK(f.x().at({2, 16 + 5}) == Approx(0.4f));     // the grey image, repeated to the green channel
  CHECK(f.x().at({3, 0}) == 0.f);                   // found in dogs/puppies
  const nn::ImageFolder images({.dir = dir.path().string(), .size = 4, .flatten = false});
  CHECK(images.x().shape() == core::Shape{4, 3, 4, 4});
}

TEST_CASE("A folder of grey images stays grey; one without subfolders is one class", "[image-folder]") {
  test::TempDir dir;
  write_image(dir.file("x.png"), 6, 6, 1, 255);
  write_image(dir.file("y.png"), 6, 6, 1, 0);
  const nn::ImageFolder f({.dir = dir.path().string(), .size = 3});
  CHECK(f.channels() == 1);
  CHECK(f.x().shape() == core::Shape{2, 9});
  CHECK(f.classes() == std::vector<std::string>{dir.path().filename().string()});
  CHECK(f.labels().to_vector() == std::vector<core::Index>{0, 0});
}

TEST_CASE("A file that is not a readable image is named, or skipped and counted", "[image-folder]") {
  test::TempDir dir;
  write_pets(dir);
  const std::string good = nn::encode_png(std::vector<std::uint8_t>(48, 1), 4, 4, 3);
  test::write_bytes(dir.file("cats/broken.png"), good.substr(0, 30));
  test::write_bytes(dir.file("dogs/notes.txt"), "hello");
  CHECK_THROWS_MATCHES(nn::ImageFolder({.dir = dir.path().string(), .size = 4}), nn::DataError,
                       Catch::Matchers::Predicate<nn::DataError>([&](const nn::DataError& e) {
                         const std::string m = e.what();
                         return m.find(dir.file("cats/broken.png")) != std::string::npos &&
                                m.find("--skip-bad") != std::string::npos && m.find('\n') == std::string::npos;
                       }));
  const nn::ImageFolder f({.dir = dir.path().string(), .size = 4, .skip_bad = true});
  CHECK(f.size() == 4);
  REQUIRE(f.skipped().size() == 2);
  CHECK_THAT(f.skipped()[1], Catch::Contains("notes.txt") && Catch::Contains("not a PNG image"));
}

TEST_CASE("A folder with nothing readable, or no folder, is an error", "[image-folder]") {
  test::TempDir dir;
  fs::create_directories(dir.file("a"));
  test::write_bytes(dir.file("a/junk.png"), "junk");
  CHECK_THROWS_WITH(nn::ImageFolder({.dir = dir.path().string(), .skip_bad = true}),
                    Catch::Contains("no readable PNG images (1 files skipped)"));
  CHECK_THROWS_WITH(nn::ImageFolder({.dir = dir.file("missing")}), Catch::Contains("not a directory"));
  CHECK_FALSE(nn::has_train_test_folders(dir.path().string()));
  fs::create_directories(dir.file("train")), fs::create_directories(dir.file("test"));
  CHECK(nn::has_train_test_folders(dir.path().string()));
}
