#pragma once
// Sliding windows over a time series, normalised to zero mean and unit
// variance. The statistics are kept so that model outputs (forecasts,
// reconstructions) can be mapped back to the data's units, and so that a
// validation series can be normalised with the training statistics.
#include <memory>
#include <optional>
#include <vector>

#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::nn {

struct Normalization {
  double mean = 0.0;
  double scale = 1.0;  ///< the population standard deviation (1 for a constant series)

  /// Mean and standard deviation of `values` (which must not be empty).
  static Normalization fit(const std::vector<double>& values);
  double apply(double v) const;
  double invert(double z) const { return z * scale + mean; }
  core::Tensor<float> apply(const core::Tensor<float>& t) const;
  core::Tensor<float> invert(const core::Tensor<float>& z) const;
};

struct WindowOptions {
  core::Index length = 32;  ///< values per input window
  core::Index stride = 1;   ///< step between the starts of consecutive windows
  core::Index horizon = 0;  ///< values after each window returned as the target y (0: none)
  /// Statistics to use; fitted on the series when empty.
  std::optional<Normalization> normalization = std::nullopt;
};

struct SeriesWindows {
  /// x (N, length, 1) and, with a horizon, y (N, horizon, 1); both normalised.
  std::shared_ptr<TensorDataset> data;
  Normalization normalization;
  std::vector<core::Index> starts;  ///< index in the series of each window's first value
};

/// Window i covers values [i*stride, i*stride + length) and its target the next
/// `horizon` values; windows that do not fit are not made. Throws ValueError
/// when the series is shorter than length + horizon.
SeriesWindows make_windows(const std::vector<double>& values, const WindowOptions& options);

}  // namespace xgrad::nn
