#include "common/csv_writer.hpp"

#include <fmt/format.h>

#include <cmath>

#include "xgrad/core/error.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {
/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string quoted(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace

CsvWriter::CsvWriter(const std::vector<std::string>& header) : columns_(header.size()) {
  for (std::size_t i = 0; i < header.size(); ++i) text_ += (i ? "," : "") + quoted(header[i]);
  text_ += "\n";
}

void CsvWriter::row(const std::vector<double>& values) {
  if (values.size() != columns_)
    throw core::ValueError(fmt::format("CsvWriter: a row of {} values for {} columns", values.size(), columns_));
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text_ += ',';
    if (!std::isnan(values[i])) text_ += fmt::format("{}", values[i]);
  }
  text_ += '\n';
}

void CsvWriter::save(const std::string& path) const { nn::write_file_atomic(path, text_); }

}  // namespace xgrad::apps
