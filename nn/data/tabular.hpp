#pragma once
// Tabular data from a CSV file (nn/data/csv.hpp): every column a number, except an
// optional label column whose values become class ids — the values themselves when
// they are all whole numbers in [0, 10000), else the distinct values in sorted order.
// A cell that is not a finite number throws DataError naming its line and column
// (gaps should be a decision made before training, not a silent fill).
// Columns are standardised (x - mean) / std with the statistics of the training rows
// only, so the test rows tell the model nothing it trains on; a constant column keeps
// std 1. A value so far out that its standardised value overflows float throws
// DataError too.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct TabularData {
  core::Tensor<float> x;             ///< (N, D) raw values
  core::IndexTensor labels;          ///< (N,), or undefined without a label column
  std::vector<std::string> columns;  ///< the D feature columns' names
  std::vector<std::string> classes;  ///< class names of the label ids
};

struct TabularOptions {
  std::optional<CsvColumn> label;  ///< the label column, if any
  char delimiter = ',';
};

TabularData parse_tabular(std::string_view text, const std::string& source, const TabularOptions& options = {});
TabularData read_tabular(const std::string& path, const TabularOptions& options = {});

/// Per-column mean and standard deviation (population) of some rows of x.
struct Standardizer {
  std::vector<double> mean, std;
  static Standardizer fit(const core::Tensor<float>& x, const std::vector<core::Index>& rows);
  /// (x - mean) / std per column. Throws DataError naming the row and column (by its
  /// name in `columns`, if given) of a value whose result overflows float.
  core::Tensor<float> apply(const core::Tensor<float>& x, const std::vector<std::string>& columns = {}) const;
};

struct TabularSplit {
  std::shared_ptr<const Dataset> train, test;  ///< x standardised, labels kept
  Standardizer standardizer;                   ///< fitted on the training rows
};

/// A seeded split (nn::train_validation_split) of the rows, standardised with the
/// training rows' statistics.
TabularSplit split_tabular(const TabularData& table, double test_fraction, std::uint64_t seed);

}  // namespace xgrad::nn
