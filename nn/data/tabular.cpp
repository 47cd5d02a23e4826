#include "xgrad/nn/data/tabular.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "xgrad/nn/data/error.hpp"
#include "xgrad/nn/data/file_io.hpp"

namespace xgrad::nn {
namespace {

constexpr std::string_view kWhat = "tabular";
constexpr double kMaxNumericLabel = 10000;

/// Class ids of the label column's values (see the header for the rule).
void read_labels(const CsvTable& t, std::size_t col, TabularData& out) {
  const auto n = static_cast<core::Index>(t.rows.size());
  out.labels = core::IndexTensor(core::Shape{n});
  bool numeric = true;
  for (const auto& row : t.rows) {
    const std::optional<double> v = csv_number(row[col]);
    numeric = numeric && v && *v >= 0 && *v < kMaxNumericLabel && *v == std::floor(*v);
  }
  if (numeric) {
    core::Index classes = 0;
    for (core::Index i = 0; i < n; ++i) {
      out.labels.data()[i] = static_cast<core::Index>(*csv_number(t.rows[i][col]));
      classes = std::max(classes, out.labels.data()[i] + 1);
    }
    for (core::Index c = 0; c < classes; ++c) out.classes.push_back(std::to_string(c));
    return;
  }
  std::map<std::string, core::Index> ids;
  for (const auto& row : t.rows) ids.emplace(row[col], 0);
  for (auto& [name, id] : ids) id = static_cast<core::Index>(out.classes.size()), out.classes.push_back(name);
  for (core::Index i = 0; i < n; ++i) out.labels.data()[i] = ids.at(t.rows[i][col]);
}

}  // namespace

TabularData parse_tabular(std::string_view text, const std::string& source, const TabularOptions& o) {
  const CsvTable t = parse_csv(text, source, o.delimiter);
  auto fail = [&](const std::string& why) { throw DataError(fmt::format("{}: {}: {}", kWhat, source, why)); };
  if (t.rows.empty()) fail("the header is followed by no data rows");
  const std::optional<std::size_t> label = o.label ? std::optional(csv_column_index(t, *o.label, source)) : std::nullopt;
  TabularData out;
  std::vector<std::size_t> features;
  for (std::size_t c = 0; c < t.header.size(); ++c)
    if (c != label) features.push_back(c), out.columns.push_back(t.header[c]);
  if (features.empty()) fail("no feature columns (the label column is the only one)");
  const auto n = static_cast<core::Index>(t.rows.size()), d = static_cast<core::Index>(features.size());
  out.x = core::Tensor<float>(core::Shape{n, d});
  for (core::Index i = 0; i < n; ++i)
    for (core::Index j = 0; j < d; ++j) {
      const std::string& cell = t.rows[i][features[j]];
      const std::optional<double> v = csv_number(cell);
      if (!v || std::abs(*v) > 3e38)
        fail(fmt::format("line {}: column {}: {} is not a finite number{}", t.lines[i], csv_show(t.header[features[j]]),
                         csv_show(cell), o.label ? "" : " (a label column? pass --label-column)"));
      out.x.data()[i * d + j] = static_cast<float>(*v);
    }
  if (label) read_labels(t, *label, out);
  return out;
}

TabularData read_tabular(const std::string& path, const TabularOptions& options) {
  return parse_tabular(read_file_bytes(path, kWhat), path, options);
}

Standardizer Standardizer::fit(const core::Tensor<float>& x, const std::vector<core::Index>& rows) {
  const core::Index d = x.size(1);
  Standardizer s{std::vector<double>(d, 0.0), std::vector<double>(d, 1.0)};
  if (rows.empty()) return s;
  const double n = static_cast<double>(rows.size());
  for (core::Index j = 0; j < d; ++j) {
    double sum = 0, sq = 0;
    for (core::Index r : rows) sum += x.data()[r * d + j];
    const double mean = sum / n;
    for (core::Index r : rows) sq += (x.data()[r * d + j] - mean) * (x.data()[r * d + j] - mean);
    const double sd = std::sqrt(sq / n);
    s.mean[j] = mean;
    s.std[j] = sd > 0 && std::isfinite(sd) ? sd : 1.0;
  }
  return s;
}

core::Tensor<float> Standardizer::apply(const core::Tensor<float>& x, const std::vector<std::string>& columns) const {
  core::Tensor<float> out(x.shape());
  const core::Index n = x.size(0), d = x.size(1);
  for (core::Index i = 0; i < n; ++i)
    for (core::Index j = 0; j < d; ++j) {
      const double z = (x.data()[i * d + j] - mean[j]) / std[j];
      out.data()[i * d + j] = static_cast<float>(z);
      // A finite raw value can still land beyond float's range here (1e38 in a column whose
      // training rows vary by 0.5); the model would only show it later, as a non-finite loss.
      if (!std::isfinite(out.data()[i * d + j]))
        throw DataError(fmt::format(
            "{}: data row {}: column {}: {:g} is {:.3g} standard deviations from the training rows' mean, beyond "
            "float's range; rescale the column or drop the row",
            kWhat, i + 1, columns.empty() ? std::to_string(j + 1) : csv_show(columns[j]), x.data()[i * d + j], z));
    }
  return out;
}

TabularSplit split_tabular(const TabularData& table, double test_fraction, std::uint64_t seed) {
  auto raw = std::make_shared<TensorDataset>(table.x, core::Tensor<float>{}, table.labels);
  const auto [train, test] = train_validation_split(raw, test_fraction, seed);
  TabularSplit s;
  s.standardizer = Standardizer::fit(table.x, train->indices());
  auto scaled = std::make_shared<TensorDataset>(s.standardizer.apply(table.x, table.columns), core::Tensor<float>{}, table.labels);
  s.train = std::make_shared<Subset>(scaled, train->indices());
  s.test = std::make_shared<Subset>(scaled, test->indices());
  return s;
}

}  // namespace xgrad::nn
