#include "xgrad/nn/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"

namespace xgrad::nn {
namespace {

constexpr std::string_view kWhat = "csv";

// Shows a field in a message: quoted, cut short, control bytes escaped, so the
// message stays one line whatever the file holds.
std::string show(std::string_view s) {
  std::string out = "'";
  const std::size_t limit = 40;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  if (s.size() > limit) out += "...";
  return out + "'";
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source, char delim) : t_(text), source_(source), delim_(delim) {
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") t_.remove_prefix(3);
  }

  [[noreturn]] void fail(core::Index line, const std::string& why) const {
    throw DataError(fmt::format("{}: {}: line {}: {}", kWhat, source_, line, why));
  }

  bool at_end() const { return pos_ >= t_.size(); }

  // Consumes a line end at pos_ (LF, CRLF or a lone CR) if there is one.
  bool eat_newline() {
    if (at_end()) return false;
    if (t_[pos_] == '\n') { ++pos_; ++line_; return true; }
    if (t_[pos_] == '\r') {
      ++pos_;
      if (!at_end() && t_[pos_] == '\n') ++pos_;
      ++line_;
      return true;
    }
    return false;
  }

  // Next record, or false at the end; blank lines are skipped.
  bool record(std::vector<std::string>& fields, core::Index& start_line) {
    while (eat_newline()) {}
    if (at_end()) return false;
    fields.clear();
    start_line = line_;
    for (;;) {
      fields.push_back(field());
      if (at_end() || eat_newline()) return true;
      ++pos_;  // the delimiter
      if (at_end()) { fields.emplace_back(); return true; }
    }
  }

 private:
  std::string field() {
    std::string f;
    if (t_[pos_] != '"') {
      while (!at_end() && t_[pos_] != delim_ && t_[pos_] != '\n' && t_[pos_] != '\r') f += t_[pos_++];
      return f;
    }
    const core::Index opened = line_;
    ++pos_;
    for (;;) {
      if (at_end()) fail(opened, "quoted field is never closed");
      const char c = t_[pos_++];
      if (c == '"') {
        if (!at_end() && t_[pos_] == '"') { f += '"'; ++pos_; continue; }
        break;
      }
      if (c == '\n' || (c == '\r' && (at_end() || t_[pos_] != '\n'))) ++line_;
      f += c;
    }
    // Spaces after a closing quote are tolerated; anything else is an error.
    while (!at_end() && (t_[pos_] == ' ' || t_[pos_] == '\t')) ++pos_;
    if (!at_end() && t_[pos_] != delim_ && t_[pos_] != '\n' && t_[pos_] != '\r')
      fail(line_, fmt::format("unexpected {} after the closing quote of {}", show(t_.substr(pos_, 1)), show(f)));
    return f;
  }

  std::string_view t_;
  const std::string& source_;
  char delim_;
  std::size_t pos_ = 0;
  core::Index line_ = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_missing(std::string_view s) {
  return s.empty() || s == "NA" || s == "N/A" || s == "NaN" || s == "nan" || s == "null" || s == "NULL";
}

}  // namespace

std::size_t csv_column_index(const CsvTable& table, const CsvColumn& column, const std::string& source) {
  auto fail = [&](const std::string& why) { throw DataError(fmt::format("{}: {}: {}", kWhat, source, why)); };
  if (column.by_name()) {
    std::vector<std::size_t> hits;
    for (std::size_t i = 0; i < table.header.size(); ++i)
      if (trim(table.header[i]) == column.name()) hits.push_back(i);
    if (hits.empty()) {
      std::string names;
      for (std::size_t i = 0; i < table.header.size() && i < 20; ++i) names += (i ? ", " : "") + show(table.header[i]);
      fail(fmt::format("no column named {} in the header ({})", show(column.name()), names));
    }
    if (hits.size() > 1) fail(fmt::format("column {} appears more than once in the header (positions {} and {})", show(column.name()), hits[0], hits[1]));
    return hits[0];
  } else {
    if (column.index() < 0 || static_cast<std::size_t>(column.index()) >= table.header.size())
      fail(fmt::format("column index {} is out of range: the header has {} columns", column.index(), table.header.size()));
    return static_cast<std::size_t>(column.index());
  }
}

std::optional<double> csv_number(std::string_view field) {
  std::string_view v = trim(field);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  double d = 0.0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

bool csv_is_missing(std::string_view field) { return is_missing(trim(field)); }

std::string csv_show(std::string_view field) { return show(field); }

CsvTable parse_csv(std::string_view text, const std::string& source, char delimiter) {
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
    throw core::ValueError(fmt::format("{}: {}: delimiter {} is not allowed", kWhat, source, show({&delimiter, 1})));
  Parser p(text, source, delimiter);
  CsvTable table;
  core::Index line = 0;
  if (!p.record(table.header, line)) throw DataError(fmt::format("{}: {}: no header row (the file is empty)", kWhat, source));
  std::vector<std::string> fields;
  while (p.record(fields, line)) {
    if (fields.size() != table.header.size())
      p.fail(line, fmt::format("{} fields, but the header has {}", fields.size(), table.header.size()));
    table.rows.push_back(std::move(fields));
    table.lines.push_back(line);
    fields = {};
  }
  return table;
}

Series parse_csv_series(std::string_view text, const std::string& source, const CsvColumn& column, const CsvOptions& options) {
  auto fail = [&](const std::string& why) { throw DataError(fmt::format("{}: {}: {}", kWhat, source, why)); };
  const CsvTable table = parse_csv(text, source, options.delimiter);

  const std::size_t col = csv_column_index(table, column, source);
  if (table.rows.empty()) fail("the header is followed by no data rows");

  Series s;
  s.name = table.header[col];
  std::vector<bool> missing;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    std::string_view v = trim(table.rows[r][col]);
    const core::Index line = table.lines[r];
    if (is_missing(v)) {
      if (options.missing == Missing::Error)
        fail(fmt::format("line {}: column {} has no value (read with Missing::Drop or Missing::Interpolate to accept gaps)", line, show(s.name)));
      if (options.missing == Missing::Drop) continue;
      s.values.push_back(0.0);
      s.lines.push_back(line);
      missing.push_back(true);
      continue;
    }
    const std::optional<double> d = csv_number(v);
    if (!d) fail(fmt::format("line {}: column {}: {} is not a finite number", line, show(s.name), show(table.rows[r][col])));
    s.values.push_back(*d);
    s.lines.push_back(line);
    missing.push_back(false);
  }
  if (s.values.empty()) fail(fmt::format("column {} has no values", show(s.name)));

  if (options.missing == Missing::Interpolate) {
    const std::size_t n = s.values.size();
    std::size_t prev = n;  // index of the last known value, n when none yet
    for (std::size_t i = 0; i < n; ++i) {
      if (missing[i]) continue;
      if (prev == n) {
        for (std::size_t j = 0; j < i; ++j) s.values[j] = s.values[i];
      } else {
        for (std::size_t j = prev + 1; j < i; ++j)
          s.values[j] = s.values[prev] + (s.values[i] - s.values[prev]) * static_cast<double>(j - prev) / static_cast<double>(i - prev);
      }
      prev = i;
    }
    if (prev == n) fail(fmt::format("column {} has no values, only gaps", show(s.name)));
    for (std::size_t j = prev + 1; j < n; ++j) s.values[j] = s.values[prev];
  }
  return s;
}

Series read_csv_series(const std::string& path, const CsvColumn& column, const CsvOptions& options) {
  return parse_csv_series(read_file_bytes(path, kWhat), path, column, options);
}

}  // namespace xgrad::nn
