// The time axis of a series: forecast and anomaly plots read dates, not row numbers.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "sequence/series_plot.hpp"
#include "sequence/series_time.hpp"
#include "xgrad/nn/data/file_io.hpp"

using namespace xgrad;
using Catch::Matchers::Contains;

namespace {
const char* kCo2 = "/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv";

std::vector<core::Index> all_lines(const nn::CsvTable& t) { return t.lines; }
}  // namespace

TEST_CASE("dates in the usual spellings become decimal years", "[apps][series]") {
  CHECK(apps::decimal_year("19580329") == Approx(1958 + 87.0 / 365));  // co2: YYYYMMDD, day 88 of 1958
  CHECK(apps::decimal_year("2000-03-01") == Approx(2000 + 60.0 / 366));  // a leap year
  CHECK(apps::decimal_year("2000-03-01T12:00:00") == Approx(2000 + 60.0 / 366));
  CHECK(apps::decimal_year("1949/07/01") == Approx(1949 + 181.0 / 365));
  CHECK(apps::decimal_year("1949-07") == Approx(1949 + 181.0 / 365));
  CHECK(apps::decimal_year("1959Q3") == Approx(1959.5));
  CHECK(apps::decimal_year("1959-Q4") == Approx(1959.75));
  for (const char* not_a_date : {"1871", "12", "abc", "1958-3-1", "2000-13-01", "19581301", ""})
    CHECK(std::isnan(apps::decimal_year(not_a_date)));
}

TEST_CASE("a date column gives the time axis, following the rows the values came from", "[apps][series]") {
  const auto table = nn::parse_csv("date,co2\n19580329,316.1\n19580405,\n19580412,317.6\n", "t");
  // --missing drop left out the second row: the times are those of lines 2 and 4.
  const apps::TimeAxis axis = apps::find_time_axis(table, {2, 4});
  CHECK(axis.calendar);
  CHECK(axis.label == "date");
  REQUIRE(axis.t.size() == 2);
  CHECK(axis.t[1] - axis.t[0] == Approx(14.0 / 365));
}

TEST_CASE("a year column, with its quarter or month, gives the time axis", "[apps][series]") {
  const auto macro = nn::parse_csv("\"year\",\"quarter\",\"realgdp\"\n1959,1,2710\n1959,2,2778\n1959,3,2775\n1959,4,2785\n1960,1,2847\n", "m");
  const apps::TimeAxis q = apps::find_time_axis(macro, all_lines(macro));
  CHECK(q.label == "year, quarter");
  CHECK(q.t == std::vector<double>{1959, 1959.25, 1959.5, 1959.75, 1960});
  const auto nile = nn::parse_csv("year,volume\n1871,1120\n1872,1160\n", "n");
  CHECK(apps::find_time_axis(nile, all_lines(nile)).t == std::vector<double>{1871, 1872});
}

TEST_CASE("without a usable time column the axis is row numbers", "[apps][series]") {
  const auto plain = nn::parse_csv("value\n1\n2\n", "p");
  CHECK(apps::find_time_axis(plain, all_lines(plain)).t.empty());
  const auto shuffled = nn::parse_csv("date,value\n19600101,1\n19590101,2\n", "s");  // not increasing
  CHECK(apps::find_time_axis(shuffled, all_lines(shuffled)).t.empty());
  const apps::TimeAxis none;
  CHECK(none.at(7) == 7);
  CHECK(apps::TimeAxis::from_json(nullptr).t.empty());  // a run trained before the axis was stored
}

TEST_CASE("past the last row the axis goes on at the series' own spacing", "[apps][series]") {
  apps::TimeAxis weekly{"date", true, {}};
  for (int i = 0; i < 100; ++i) weekly.t.push_back(2000 + i * 7 / 365.0);
  CHECK(weekly.at(99) == weekly.t[99]);
  CHECK(weekly.at(101) == Approx(weekly.t[99] + 2 * 7 / 365.0));
  CHECK(apps::TimeAxis::from_json(weekly.to_json()).t == weekly.t);
}

TEST_CASE("co2's time axis runs from March 1958 to the end of 2001", "[apps][series]") {
  REQUIRE(std::filesystem::exists(kCo2));  // python3-statsmodels
  const auto table = nn::parse_csv(nn::read_file_bytes(kCo2, "csv"), kCo2);
  const apps::TimeAxis axis = apps::read_time_axis(kCo2, table.lines);
  REQUIRE(axis.t.size() == 2284);
  CHECK(axis.t.front() == Approx(1958.235).margin(0.001));
  CHECK(axis.t.back() == Approx(2001.99).margin(0.01));
}

TEST_CASE("a calendar plot labels its ticks with years, or months over a short span", "[apps][series]") {
  apps::SeriesPlot years{.title = "co2", .y_label = "co2", .x_label = "date", .calendar = true,
                         .t = {1958.2, 1980, 2001.9}, .values = {316, 340, 370}};
  const std::string svg = apps::render_series_svg(years);
  CHECK_THAT(svg, Contains(">1960<") && Contains(">2000<") && Contains(">date<"));
  apps::SeriesPlot months = years;
  months.t = {2000.0, 2000.5, 2001.2};
  CHECK_THAT(apps::render_series_svg(months), Contains(">2000-04<") && Contains(">2001-01<"));
  apps::SeriesPlot rows{.title = "x", .y_label = "v", .t = {0, 1000, 2283}, .values = {1, 2, 3}};
  CHECK_THAT(apps::render_series_svg(rows), Contains(">2000<") && Contains(">row<"));
}
