#include <catch2/catch.hpp>

#include <cmath>

#include "data_util.hpp"
#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/series.hpp"

using namespace xgrad;
using nn::Missing;

static const std::string kStatsmodels = "/usr/lib/python3/dist-packages/statsmodels/datasets/";

TEST_CASE("CSV follows RFC 4180: quotes, doubled quotes, line breaks in quotes, CRLF, BOM", "[data]") {
  const std::string text = "\xEF\xBB\xBF" "name,\"va,lue\"\r\n"
                           "\"a \"\"b\"\"\",1\r\n"
                           "\r\n"  // blank lines are skipped
                           "\"multi\nline\",2\r\n"
                           "plain , 3 \r\n"
                           "\"\",\"4\"";  // no newline at the end
  const nn::CsvTable t = nn::parse_csv(text, "mem");
  REQUIRE(t.header == std::vector<std::string>{"name", "va,lue"});
  REQUIRE(t.rows.size() == 4);
  CHECK(t.rows[0] == std::vector<std::string>{"a \"b\"", "1"});
  CHECK(t.rows[1] == std::vector<std::string>{"multi\nline", "2"});
  CHECK(t.rows[2] == std::vector<std::string>{"plain ", " 3 "});
  CHECK(t.rows[3] == std::vector<std::string>{"", "4"});
  // Lines count physical lines, including the one inside the quoted field.
  CHECK(t.lines == std::vector<core::Index>{2, 4, 6, 7});

  const nn::Series s = nn::parse_csv_series(text, "mem", "va,lue");
  CHECK(s.name == "va,lue");
  CHECK(s.values == std::vector<double>{1, 2, 3, 4});
  CHECK(s.lines == std::vector<core::Index>{2, 4, 6, 7});
  CHECK(nn::parse_csv_series("a;b\n1;2\n3;4\n", "mem", 1, {.delimiter = ';'}).values == std::vector<double>{2, 4});
  CHECK(nn::parse_csv_series("a,b\n1,\n3,4\n", "mem", "a").values == std::vector<double>{1, 3});
}

TEST_CASE("CSV missing values: an error naming the line, or dropped, or interpolated", "[data]") {
  const std::string text = "t,v\n0,NA\n1,10\n2,\n3,\n4,40\n5,nan\n";
  CHECK_THROWS_WITH(nn::parse_csv_series(text, "gaps.csv", "v"),
                    "csv: gaps.csv: line 2: column 'v' has no value (read with Missing::Drop or Missing::Interpolate to accept gaps)");
  const nn::Series dropped = nn::parse_csv_series(text, "gaps.csv", "v", {.missing = Missing::Drop});
  CHECK(dropped.values == std::vector<double>{10, 40});
  CHECK(dropped.lines == std::vector<core::Index>{3, 6});
  const nn::Series filled = nn::parse_csv_series(text, "gaps.csv", "v", {.missing = Missing::Interpolate});
  CHECK(filled.values == std::vector<double>{10, 10, 20, 30, 40, 40});
  CHECK_THROWS_WITH(nn::parse_csv_series("v\n\"\"\nNA\n", "m", 0, {.missing = Missing::Interpolate}), Catch::Contains("only gaps"));
  CHECK_THROWS_WITH(nn::parse_csv_series("v\nNA\n", "m", 0, {.missing = Missing::Drop}), Catch::Contains("column 'v' has no values"));
}

TEST_CASE("CSV reads statsmodels' co2, which has gaps", "[data]") {
  const std::string path = kStatsmodels + "co2/co2.csv";
  CHECK_THROWS_WITH(nn::read_csv_series(path, "co2"), "csv: " + path +
                    ": line 8: column 'co2' has no value (read with Missing::Drop or Missing::Interpolate to accept gaps)");
  const nn::Series dropped = nn::read_csv_series(path, "co2", {.missing = Missing::Drop});
  CHECK(dropped.values.size() == 2284 - 59);
  const nn::Series s = nn::read_csv_series(path, 1, {.missing = Missing::Interpolate});
  REQUIRE(s.values.size() == 2284);
  CHECK(s.name == "co2");
  CHECK(s.values[0] == 316.1);
  CHECK(s.values[6] == Approx((316.9 + 317.5) / 2));            // line 8, between lines 7 and 9
  CHECK(s.values[9] == Approx(317.9 + (315.8 - 317.9) / 6.0));  // line 11, first of five gaps
  CHECK(s.values.back() == 371.5);
  for (double v : s.values) CHECK(std::isfinite(v));
}

TEST_CASE("CSV reads statsmodels' sunspots (quoted header), nile and elnino", "[data]") {
  const nn::Series sun = nn::read_csv_series(kStatsmodels + "sunspots/sunspots.csv", "SUNACTIVITY");
  CHECK(sun.values.size() == 309);
  CHECK(sun.values.front() == 5.0);
  CHECK(sun.values.back() == 2.9);
  const nn::Series nile = nn::read_csv_series(kStatsmodels + "nile/nile.csv", "volume");
  CHECK(nile.values.size() == 100);
  CHECK(nile.values.back() == 740.0);
  const nn::Series jan = nn::read_csv_series(kStatsmodels + "elnino/elnino.csv", "JAN");
  CHECK(jan.values.size() == 61);
  CHECK(jan.values.front() == 23.11);
  CHECK(jan.values.back() == 24.7);
  CHECK(nn::read_csv_series(kStatsmodels + "elnino/elnino.csv", 12).values.back() == 22.07);
}

TEST_CASE("Windows are normalised and can be mapped back; a horizon gives targets", "[data]") {
  const nn::Series nile = nn::read_csv_series(kStatsmodels + "nile/nile.csv", "volume");
  const nn::SeriesWindows w = nn::make_windows(nile.values, {.length = 10, .stride = 5});
  CHECK(w.normalization.mean == Approx(919.35));
  CHECK(w.normalization.scale == Approx(168.3792371404503));  // numpy/statistics population std
  REQUIRE(w.data->size() == (100 - 10) / 5 + 1);
  CHECK(w.data->x().shape() == core::Shape{19, 10, 1});
  CHECK_FALSE(w.data->y().defined());
  CHECK(w.starts[3] == 15);
  const core::Tensor<float> back = w.normalization.invert(w.data->get_batch({3}).x);
  for (int k = 0; k < 10; ++k) CHECK(back.data()[k] == Approx(nile.values[static_cast<std::size_t>(15 + k)]).epsilon(1e-6));

  const std::vector<double> ramp{0, 1, 2, 3, 4, 5, 6};
  const nn::SeriesWindows f = nn::make_windows(ramp, {.length = 3, .stride = 2, .horizon = 2, .normalization = nn::Normalization{1.0, 2.0}});
  REQUIRE(f.data->size() == 2);  // starts 0 and 2; start 4 would need 5 values from index 4
  CHECK(f.data->x().to_vector() == std::vector<float>{-0.5f, 0.0f, 0.5f, 0.5f, 1.0f, 1.5f});
  CHECK(f.data->y().to_vector() == std::vector<float>{1.0f, 1.5f, 2.0f, 2.5f});
  CHECK(f.normalization.invert(2.5) == 6.0);
  // A constant series keeps scale 1 instead of dividing by zero.
  CHECK(nn::Normalization::fit({3, 3, 3}).scale == 1.0);
  CHECK_THROWS_WITH(nn::make_windows(ramp, {.length = 6, .horizon = 2}), Catch::Contains("has 7 values, fewer than length 6 + horizon 2"));
  CHECK_THROWS_AS(nn::make_windows(ramp, {.length = 2, .stride = 0}), core::ValueError);
}
