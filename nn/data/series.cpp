#include "xgrad/nn/data/series.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace xgrad::nn {

namespace {
// Mean and population standard deviation of values / unit, times unit.
std::pair<double, double> moments(const std::vector<double>& values, double unit) {
  const auto n = static_cast<double>(values.size());
  double mean = 0.0;
  for (double v : values) mean += v / unit;
  mean /= n;
  double var = 0.0;
  for (double v : values) var += (v / unit - mean) * (v / unit - mean);
  return {mean * unit, std::sqrt(var / n) * unit};
}
}  // namespace

Normalization Normalization::fit(const std::vector<double>& values) {
  if (values.empty()) throw core::ValueError("Normalization::fit: the series is empty");
  double top = 0.0;
  for (double v : values) top = std::max(top, std::abs(v));
  if (!std::isfinite(top)) throw core::ValueError("Normalization::fit: the series holds an infinite or NaN value");
  auto [mean, sd] = moments(values, 1.0);
  // Sums of values near the double range overflow (1e308 + 1e308 = inf): then the
  // moments are taken of values / max|v|, which lie in [-1, 1], and scaled back.
  if (!std::isfinite(mean) || !std::isfinite(sd)) std::tie(mean, sd) = moments(values, top);
  // A constant series has nothing to scale; dividing by zero would make NaNs.
  return {mean, sd > 0.0 ? sd : 1.0};
}

double Normalization::apply(double v) const {
  const double d = v - mean;  // overflows only for values of opposite signs near the range's ends
  return std::isfinite(d) ? d / scale : v / scale - mean / scale;
}

core::Tensor<float> Normalization::apply(const core::Tensor<float>& t) const {
  core::Tensor<float> out(t.shape());
  for (core::Index i = 0; i < t.numel(); ++i) out.data()[i] = static_cast<float>(apply(static_cast<double>(t.data()[i])));
  return out;
}

core::Tensor<float> Normalization::invert(const core::Tensor<float>& z) const {
  core::Tensor<float> out(z.shape());
  for (core::Index i = 0; i < z.numel(); ++i) out.data()[i] = static_cast<float>(invert(static_cast<double>(z.data()[i])));
  return out;
}

SeriesWindows make_windows(const std::vector<double>& values, const WindowOptions& o) {
  if (o.length < 1 || o.stride < 1 || o.horizon < 0)
    throw core::ValueError(fmt::format("make_windows: need length >= 1, stride >= 1, horizon >= 0; got length {}, stride {}, horizon {}",
                                       o.length, o.stride, o.horizon));
  const auto n = static_cast<core::Index>(values.size());
  const core::Index span = o.length + o.horizon;
  if (n < span)
    throw core::ValueError(fmt::format("make_windows: the series has {} values, fewer than length {} + horizon {}", n, o.length, o.horizon));
  const core::Index count = (n - span) / o.stride + 1;

  SeriesWindows w;
  w.normalization = o.normalization ? *o.normalization : Normalization::fit(values);
  core::Tensor<float> x(core::Shape{count, o.length, 1});
  core::Tensor<float> y;
  if (o.horizon > 0) y = core::Tensor<float>(core::Shape{count, o.horizon, 1});
  for (core::Index i = 0; i < count; ++i) {
    const core::Index s = i * o.stride;
    w.starts.push_back(s);
    for (core::Index k = 0; k < o.length; ++k)
      x.data()[i * o.length + k] = static_cast<float>(w.normalization.apply(values[static_cast<std::size_t>(s + k)]));
    for (core::Index k = 0; k < o.horizon; ++k)
      y.data()[i * o.horizon + k] = static_cast<float>(w.normalization.apply(values[static_cast<std::size_t>(s + o.length + k)]));
  }
  w.data = std::make_shared<TensorDataset>(std::move(x), std::move(y));
  return w;
}

}  // namespace xgrad::nn
