#include "sequence/series_time.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>

#include "xgrad/nn/data/file_io.hpp"

namespace xgrad::apps {

namespace {

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/// Year + (day of year) / (days in year), the day counted from 0 on January 1.
double from_ymd(int y, int m, int d) {
  static constexpr int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nan("");
  const int day = kBefore[m - 1] + (d - 1) + (m > 2 && is_leap(y) ? 1 : 0);
  return y + day / (is_leap(y) ? 366.0 : 365.0);
}

/// The digits of s from `at` as a number, and how many there were (0: none).
std::pair<int, std::size_t> digits(const std::string& s, std::size_t at) {
  int v = 0;
  std::size_t n = 0;
  while (at + n < s.size() && std::isdigit(static_cast<unsigned char>(s[at + n])) && n < 9) v = v * 10 + (s[at + n++] - '0');
  return {v, n};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<double> number(const std::string& s) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

/// The rows of `table` that hold the values, in order (by source line).
std::vector<std::size_t> value_rows(const nn::CsvTable& table, const std::vector<core::Index>& lines) {
  std::map<core::Index, std::size_t> row_of;
  for (std::size_t r = 0; r < table.lines.size(); ++r) row_of[table.lines[r]] = r;
  std::vector<std::size_t> rows;
  for (core::Index line : lines) {
    auto it = row_of.find(line);
    if (it == row_of.end()) return {};
    rows.push_back(it->second);
  }
  return rows;
}

bool increasing(const std::vector<double>& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t[i]) || (i > 0 && !(t[i] > t[i - 1]))) return false;
  return !t.empty();
}

int column(const nn::CsvTable& table, const std::vector<std::string>& names) {
  for (std::size_t c = 0; c < table.header.size(); ++c)
    if (std::find(names.begin(), names.end(), lower(table.header[c])) != names.end()) return static_cast<int>(c);
  return -1;
}

/// A date column: every value's cell parses as a date.
std::optional<TimeAxis> date_column(const nn::CsvTable& table, const std::vector<std::size_t>& rows) {
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    static const std::vector<std::string> kNames = {"date", "datetime", "time", "timestamp", "period", "month", "ds"};
    if (std::find(kNames.begin(), kNames.end(), lower(table.header[c])) == kNames.end()) continue;
    TimeAxis axis{table.header[c], true, {}};
    for (std::size_t r : rows) axis.t.push_back(decimal_year(table.rows[r][c]));
    if (increasing(axis.t)) return axis;
  }
  return std::nullopt;
}

/// A year column, with the quarter or month of each row when the table has one.
std::optional<TimeAxis> year_column(const nn::CsvTable& table, const std::vector<std::size_t>& rows) {
  const int y = column(table, {"year", "yr"});
  if (y < 0) return std::nullopt;
  const int q = column(table, {"quarter", "qtr"}), m = q >= 0 ? -1 : column(table, {"month"});
  const int sub = q >= 0 ? q : m;
  const double per_year = q >= 0 ? 4 : 12;
  TimeAxis axis{table.header[static_cast<std::size_t>(y)], true, {}};
  if (sub >= 0) axis.label += ", " + table.header[static_cast<std::size_t>(sub)];
  for (std::size_t r : rows) {
    const auto year = number(table.rows[r][static_cast<std::size_t>(y)]);
    const auto part = sub >= 0 ? number(table.rows[r][static_cast<std::size_t>(sub)]) : std::optional<double>(1);
    axis.t.push_back(year && part ? *year + (*part - 1) / per_year : std::nan(""));
  }
  if (increasing(axis.t)) return axis;
  return std::nullopt;
}

}  // namespace

double decimal_year(const std::string& text) {
  std::string s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  const auto [year, n] = digits(s, 0);
  if (n == 8 && s.size() == 8) return from_ymd(year / 10000, year / 100 % 100, year % 100);  // YYYYMMDD
  if (n != 4) return std::nan("");
  if (s.size() == 4) return std::nan("");  // a bare year is a number, not a date (year_column reads those)
  std::size_t at = 4;
  if (s[at] == '-' || s[at] == '/') ++at;
  if (at < s.size() && (s[at] == 'Q' || s[at] == 'q')) {  // 1959Q1, 1959-Q1
    const auto [quarter, nq] = digits(s, at + 1);
    return nq == 1 && at + 2 == s.size() && quarter >= 1 && quarter <= 4 ? year + (quarter - 1) / 4.0 : std::nan("");
  }
  const auto [month, nm] = digits(s, at);
  if (nm != 2) return std::nan("");
  at += 2;
  if (at == s.size()) return from_ymd(year, month, 1);  // YYYY-MM
  if (s[at] != '-' && s[at] != '/') return std::nan("");
  const auto [day, nd] = digits(s, at + 1);
  if (nd != 2) return std::nan("");
  at += 3;
  if (at < s.size() && s[at] != 'T' && s[at] != ' ') return std::nan("");
  return from_ymd(year, month, day);
}

double TimeAxis::at(double i) const {
  if (t.empty()) return i;
  const auto n = static_cast<double>(t.size());
  if (i >= 0 && i < n) {
    const auto k = static_cast<std::size_t>(i);
    return t[k];
  }
  // Past the end: the median spacing of the last (up to) 52 steps.
  std::vector<double> gaps;
  for (std::size_t k = t.size() > 53 ? t.size() - 53 : 0; k + 1 < t.size(); ++k) gaps.push_back(t[k + 1] - t[k]);
  if (gaps.empty()) return t.back() + (i - n + 1);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
  return t.back() + gaps[gaps.size() / 2] * (i - n + 1);
}

nlohmann::json TimeAxis::to_json() const {
  if (t.empty()) return nullptr;
  return {{"label", label}, {"calendar", calendar}, {"t", t}};
}

TimeAxis TimeAxis::from_json(const nlohmann::json& j) {
  TimeAxis axis;
  if (!j.is_object() || !j.contains("t") || !j["t"].is_array()) return axis;
  axis.label = j.value("label", std::string("time"));
  axis.calendar = j.value("calendar", false);
  for (const auto& v : j["t"])
    if (v.is_number()) axis.t.push_back(v.get<double>());
  if (axis.t.size() != j["t"].size() || !increasing(axis.t)) return TimeAxis{};
  return axis;
}

TimeAxis find_time_axis(const nn::CsvTable& table, const std::vector<core::Index>& lines) {
  const std::vector<std::size_t> rows = value_rows(table, lines);
  if (rows.empty()) return {};
  if (auto axis = date_column(table, rows)) return *axis;
  if (auto axis = year_column(table, rows)) return *axis;
  return {};
}

TimeAxis read_time_axis(const std::string& path, const std::vector<core::Index>& lines) {
  try {
    return find_time_axis(nn::parse_csv(nn::read_file_bytes(path, "csv"), path), lines);
  } catch (const std::exception&) {
    return {};  // the values were read from this file already: a plot without dates is no error
  }
}

}  // namespace xgrad::apps
