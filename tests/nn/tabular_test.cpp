// Tabular data from CSV (nn/data/tabular.hpp) and MNIST-like IDX sets by file (nn/data/idx_images.hpp).
#include <catch2/catch.hpp>

#include "data_util.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/idx_images.hpp"
#include "xgrad/nn/data/tabular.hpp"

using namespace xgrad;

TEST_CASE("Every column but the label column is a feature", "[tabular]") {
  const nn::TabularData t = nn::parse_tabular("a,kind,b\n1,cat,2\n3,dog,4\n5, cat ,6\n", "mem", {.label = nn::CsvColumn("kind")});
  CHECK(t.columns == std::vector<std::string>{"a", "b"});
  CHECK(t.x.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(t.classes == std::vector<std::string>{" cat ", "cat", "dog"});  // values are names as written
  CHECK(t.labels.to_vector() == std::vector<core::Index>{1, 2, 0});
  const nn::TabularData numbered = nn::parse_tabular("y,a\n2,1\n0,1\n", "mem", {.label = nn::CsvColumn(0)});
  CHECK(numbered.labels.to_vector() == std::vector<core::Index>{2, 0});  // whole numbers are the ids
  CHECK(numbered.classes.size() == 3);
  CHECK_FALSE(nn::parse_tabular("a\n1\n", "mem").labels.defined());
}

TEST_CASE("A cell that is not a number names its line and column", "[tabular]") {
  CHECK_THROWS_MATCHES(nn::parse_tabular("a,b\n1,2\n3,x\n", "t.csv"), nn::DataError,
                       Catch::Message("tabular: t.csv: line 3: column 'b': 'x' is not a finite number (a label column? pass --label-column)"));
  CHECK_THROWS_WITH(nn::parse_tabular("a,b\n1,\n", "t.csv", {.label = nn::CsvColumn("a")}), Catch::Contains("line 2: column 'b'"));
  CHECK_THROWS_WITH(nn::parse_tabular("a,b\n", "t.csv"), Catch::Contains("no data rows"));
  CHECK_THROWS_WITH(nn::parse_tabular("y\n1\n", "t.csv", {.label = nn::CsvColumn("y")}), Catch::Contains("no feature columns"));
  CHECK_THROWS_WITH(nn::parse_tabular("a\n1\n", "t.csv", {.label = nn::CsvColumn("y")}), Catch::Contains("no column named 'y'"));
}

TEST_CASE("Standardising uses the training rows' statistics only", "[tabular]") {
  std::string csv = "a,b\n";
  for (int i = 0; i < 10; ++i) csv += std::to_string(i) + ",7\n";
  const nn::TabularData t = nn::parse_tabular(csv, "mem");
  const nn::TabularSplit s = nn::split_tabular(t, 0.3, 5);
  REQUIRE(s.train->size() == 7);
  REQUIRE(s.test->size() == 3);
  const nn::Batch train = s.train->get_batch({0, 1, 2, 3, 4, 5, 6});
  double sum = 0, sq = 0;
  for (core::Index i = 0; i < 7; ++i) sum += train.x.at({i, 0}), sq += train.x.at({i, 0}) * train.x.at({i, 0});
  CHECK(sum / 7 == Approx(0).margin(1e-6));
  CHECK(sq / 7 == Approx(1));
  CHECK(train.x.at({0, 1}) == 0.f);  // a constant column: centred, std 1
  CHECK(s.standardizer.std[1] == 1.0);
  const nn::Batch test = s.test->get_batch({0});
  const auto& perm = static_cast<const nn::Subset&>(*s.test).indices();
  CHECK(test.x.at({0, 0}) == Approx((perm[0] - s.standardizer.mean[0]) / s.standardizer.std[0]));
  CHECK(nn::split_tabular(t, 0.3, 5).standardizer.mean == s.standardizer.mean);  // seeded
  CHECK(nn::split_tabular(t, 0.3, 6).standardizer.mean != s.standardizer.mean);
}

TEST_CASE("A value whose standardised form overflows float is refused by row and column", "[tabular]") {
  // Found by the fuzzer: 2.7e38 is a finite float, but 5.7e38 training standard deviations is not.
  const nn::TabularData t = nn::parse_tabular("a,big\n1,1\n2,2\n3,266666666666666666666666666666666666666\n", "mem");
  const nn::Standardizer s = nn::Standardizer::fit(t.x, {0, 1});
  CHECK_THROWS_MATCHES(s.apply(t.x, t.columns), nn::DataError,
                       Catch::Message("tabular: data row 3: column 'big': 2.66667e+38 is 5.33e+38 standard deviations from the "
                                      "training rows' mean, beyond float's range; rescale the column or drop the row"));
  CHECK_THROWS_WITH(s.apply(t.x), Catch::Contains("data row 3: column 2:"));
  CHECK(s.apply(nn::parse_tabular("a,big\n1,1e30\n", "mem").x).at({0, 1}) == Approx(2e30));
}

TEST_CASE("An IDX images file brings its labels and test files by name", "[idx]") {
  test::TempDir dir;
  auto images = [](std::uint32_t n) { return test::idx_bytes(0x08, {n, 2, 3}, std::string(n * 6, '\x33')); };
  test::write_bytes(dir.file("letters-train-images-idx3-ubyte"), images(4));
  test::write_bytes(dir.file("letters-train-labels-idx1-ubyte"), test::idx_bytes(0x08, {4}, std::string("\x01\x1a\x02\x03", 4)));
  const nn::IdxImageSet s = nn::read_idx_image_set(dir.file("letters-train-images-idx3-ubyte"));
  CHECK(s.x.shape() == core::Shape{4, 1, 2, 3});
  CHECK(s.x.at({0, 0, 1, 2}) == Approx(0.2f));
  CHECK(s.labels.to_vector() == std::vector<core::Index>{1, 26, 2, 3});
  CHECK_FALSE(nn::idx_test_images_path(dir.file("letters-train-images-idx3-ubyte")));
  test::write_bytes(dir.file("letters-test-images-idx3-ubyte"), images(2));
  CHECK(nn::idx_test_images_path(dir.file("letters-train-images-idx3-ubyte")) == dir.file("letters-test-images-idx3-ubyte"));
  CHECK_FALSE(nn::read_idx_image_set(dir.file("letters-test-images-idx3-ubyte")).labels.defined());  // no labels file
  test::write_bytes(dir.file("letters-test-labels-idx1-ubyte"), test::idx_bytes(0x08, {3}, "\1\2\3"));
  CHECK_THROWS_WITH(nn::read_idx_image_set(dir.file("letters-test-images-idx3-ubyte")), Catch::Contains("3 labels for the 2 images"));
}
