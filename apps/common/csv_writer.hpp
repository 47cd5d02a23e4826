#pragma once
// CSV output (forecasts, anomaly scores): a header and rows of numbers, in the
// shortest form that reads back exactly, written atomically.
#include <string>
#include <vector>

namespace xgrad::apps {

class CsvWriter {
 public:
  explicit CsvWriter(const std::vector<std::string>& header);
  /// One row; must have as many values as the header has names. NaN is written as an empty field.
  void row(const std::vector<double>& values);
  const std::string& text() const { return text_; }
  /// Replaces `path` atomically.
  void save(const std::string& path) const;

 private:
  std::size_t columns_;
  std::string text_;
};

}  // namespace xgrad::apps
