#pragma once
// CSV files (RFC 4180): a header row, fields separated by a delimiter, quoted
// fields with "" for a quote and line breaks inside quotes, CRLF or LF line
// ends, an optional UTF-8 byte order mark. Blank lines are skipped (as pandas
// does). One numeric column is read as a time series.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/core/shape.hpp"

namespace xgrad::nn {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  ///< each has header.size() fields
  std::vector<core::Index> lines;              ///< 1-based line on which each row starts
};

/// Parses text; `source` names it in errors ("csv: <source>: line 7: ...").
CsvTable parse_csv(std::string_view text, const std::string& source, char delimiter = ',');

/// A column chosen by header name or by 0-based position.
class CsvColumn {
 public:
  CsvColumn(std::string name) : name_(std::move(name)), by_name_(true) {}  // NOLINT: implicit on purpose
  CsvColumn(const char* name) : CsvColumn(std::string(name)) {}           // NOLINT
  CsvColumn(int index) : index_(index) {}                                 // NOLINT
  bool by_name() const { return by_name_; }
  const std::string& name() const { return name_; }
  int index() const { return index_; }

 private:
  std::string name_;
  int index_ = 0;
  bool by_name_ = false;
};

/// What to do with an empty (or NA / NaN / null) value.
enum class Missing {
  Error,        ///< throw, naming the line (the default: gaps should be a decision)
  Drop,         ///< leave the row out
  Interpolate,  ///< linear between the nearest values; copies the nearest at the ends
};

/// The column's position in the header; DataError naming the file when there is no such
/// column or the name appears twice.
std::size_t csv_column_index(const CsvTable& table, const CsvColumn& column, const std::string& source);
/// A field (spaces around it ignored, a leading '+' allowed) as a finite number, or nothing.
std::optional<double> csv_number(std::string_view field);
/// Empty, NA, N/A, NaN, nan, null or NULL.
bool csv_is_missing(std::string_view field);
/// A field quoted for a message: cut short, control bytes escaped, so it stays one line.
std::string csv_show(std::string_view field);

struct CsvOptions {
  Missing missing = Missing::Error;
  char delimiter = ',';
};

struct Series {
  std::string name;                ///< the column's header
  std::vector<double> values;
  std::vector<core::Index> lines;  ///< source line of each value
};

Series parse_csv_series(std::string_view text, const std::string& source, const CsvColumn& column, const CsvOptions& options = {});
Series read_csv_series(const std::string& path, const CsvColumn& column, const CsvOptions& options = {});

}  // namespace xgrad::nn
