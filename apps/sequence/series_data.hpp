#pragma once
// What the `xgrad series` commands share: reading the column, the windows the model
// sees, and the run's stored normalisation.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/series.hpp"

namespace xgrad::apps {

inline constexpr const char* kCo2Csv = "/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv";

/// "interpolate", "drop" or "error"; UsageError otherwise.
nn::Missing missing_of(const std::string& s);
/// The column's values (and the line of each), gaps handled as `missing` says.
nn::Series read_series(const std::string& csv, const std::string& column, const std::string& missing);
/// Windows of `length` over the normalised values as a dataset x (N, length, 1), stride 1.
std::shared_ptr<nn::TensorDataset> windows_of(const std::vector<double>& values, core::Index length,
                                              const nn::Normalization& norm);
/// UsageError "<what> has N values, fewer than the window of L" when n < window.
void require_length(std::size_t n, core::Index window, const std::string& what);
/// x[t] - x[t-1]: what a model with --difference sees (a trend becomes a level).
/// A change beyond double's range is a UsageError naming its line (when `lines` are given).
std::vector<double> differences(const std::vector<double>& v, const std::vector<core::Index>& lines = {});
/// UsageError naming the line of the first modelled value that the float model cannot
/// hold once normalised; modelled[i] comes from the value on lines[i + shift].
void require_representable(const std::vector<double>& modelled, const nn::Normalization& norm,
                           const std::vector<core::Index>& lines, std::size_t shift, const std::string& what);
/// The share of the values' variance a straight line through them explains (R² of a
/// least-squares fit against time; 0 for fewer than 3 values or a constant series).
double linear_trend_share(const std::vector<double>& v);
/// q-quantile of sorted values, interpolating linearly between order statistics.
double quantile(const std::vector<double>& sorted, double q);
/// The normalisation stored in a run's config.json "data".
nn::Normalization normalization_of(const nlohmann::json& data);
/// `out`, or the run directory when empty, created and checked writable.
std::string output_dir(const std::string& out, const std::string& run);

}  // namespace xgrad::apps
