// Every committed fuzz seed (fuzz/corpus/<target>/) through the same body the
// libFuzzer target runs: seeds, and crash inputs added after fixes, stay fixed
// in the ordinary test build, without clang or libFuzzer.
#include <catch2/catch.hpp>

#include <filesystem>

#include "../../fuzz/fuzz_bodies.hpp"
#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"

using namespace xgrad;

static void run_corpus(const std::string& target, void (*body)(std::string_view)) {
  const std::filesystem::path dir = std::filesystem::path(XGRAD_SOURCE_DIR) / "fuzz" / "corpus" / target;
  REQUIRE(std::filesystem::is_directory(dir));
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    INFO(e.path().string());
    const std::string bytes = test::read_bytes(e.path().string());
    CHECK_NOTHROW(body(bytes));
    ++n;
  }
  CHECK(n >= 5);
}

TEST_CASE("IDX fuzz seeds", "[fuzz-corpus]") { run_corpus("idx", fuzz::idx); }
TEST_CASE("CSV fuzz seeds", "[fuzz-corpus]") { run_corpus("csv", fuzz::csv); }
TEST_CASE("safetensors fuzz seeds", "[fuzz-corpus]") { run_corpus("safetensors", fuzz::safetensors); }

TEST_CASE("The seeds reach the readers' success paths", "[fuzz-corpus]") {
  // Seeds that all fail early would make the fuzzers start blind.
  const auto seed = [](const std::string& t, const std::string& f) {
    return test::read_bytes(std::string(XGRAD_SOURCE_DIR) + "/fuzz/corpus/" + t + "/" + f);
  };
  CHECK(nn::decode_idx(seed("idx", "labels_two_members.gz"), "seed").shape == core::Shape{10});
  CHECK(nn::decode_safetensors(seed("safetensors", "all_dtypes_meta"), "seed").tensors.size() == 4);
  CHECK(nn::decode_safetensors(seed("safetensors", "unpadded_shuffled"), "seed").tensors.size() == 3);
  CHECK_THROWS_WITH(nn::decode_safetensors(seed("safetensors", "overlap"), "seed"), Catch::Contains("overlap"));
  const std::string co2 = seed("csv", "co2_interpolate");
  CHECK(nn::parse_csv_series(std::string_view(co2).substr(1), "seed", 1, {.missing = nn::Missing::Interpolate}).values.size() == 15);
}

TEST_CASE("PNG fuzz seeds", "[fuzz-corpus]") { run_corpus("png", fuzz::png); }
TEST_CASE("Tabular fuzz seeds", "[fuzz-corpus]") { run_corpus("tabular", fuzz::tabular); }

TEST_CASE("The PNG and tabular seeds reach the readers' success paths", "[fuzz-corpus]") {
  const auto seed = [](const std::string& t, const std::string& f) {
    return test::read_bytes(std::string(XGRAD_SOURCE_DIR) + "/fuzz/corpus/" + t + "/" + f);
  };
  CHECK(nn::decode_png(seed("png", "rgb8_4x4"), "seed").channels == 3);
  CHECK(nn::decode_png(seed("png", "grey1_9x2"), "seed").width == 9);
  CHECK_THROWS_AS(nn::decode_png(seed("png", "truncated"), "seed"), nn::DataError);
  CHECK_THROWS_AS(nn::decode_png(seed("png", "bad_ihdr_crc"), "seed"), nn::DataError);
  CHECK(nn::parse_tabular(seed("tabular", "label_first").substr(1), "seed", {.label = nn::CsvColumn(0)}).classes.size() == 3);
  CHECK(nn::parse_tabular(seed("tabular", "plain").substr(1), "seed").x.shape() == core::Shape{3, 3});
}
