#pragma once
// The time axis of a series: the dates of its rows when its CSV has a date column, so
// that plots read "1960, 1970, ..." instead of row numbers. Dates become decimal years
// (1958-03-29 -> 1958.24); a plain number column (a year) is used as it is.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgrad/core/shape.hpp"
#include "xgrad/nn/data/csv.hpp"

namespace xgrad::apps {

struct TimeAxis {
  std::string label = "row";  ///< the column(s) it came from ("date", "year, quarter"), or "row"
  bool calendar = false;      ///< t is in (decimal) years
  std::vector<double> t;      ///< one per value, strictly increasing; empty: use row numbers

  /// The time of value i, extended past the last one by the median spacing of the
  /// last steps (a forecast's future); i itself without a time column.
  double at(double i) const;
  nlohmann::json to_json() const;
  static TimeAxis from_json(const nlohmann::json& j);  ///< empty axis for a missing or null field
};

/// A date written as YYYYMMDD, YYYY-MM-DD (any time after it is ignored), YYYY-MM,
/// YYYY/MM/DD or YYYYQn / YYYY-Qn, as a decimal year; NaN when it is none of these.
double decimal_year(const std::string& text);

/// The time axis of the rows of `table` on `lines` (the values' source lines): the
/// first column named date, datetime, time, timestamp, period or month whose cells
/// are dates; else a year column (plus a quarter or month column); else none.
/// A column whose times do not increase strictly is not used.
TimeAxis find_time_axis(const nn::CsvTable& table, const std::vector<core::Index>& lines);
/// find_time_axis over the CSV file at `path` (an unreadable file gives no axis).
TimeAxis read_time_axis(const std::string& path, const std::vector<core::Index>& lines);

}  // namespace xgrad::apps
