#include "sequence/series_data.hpp"

#include <fmt/format.h>

#include <cmath>

#include "common/cli.hpp"

namespace xgrad::apps {

using nlohmann::json;

nn::Missing missing_of(const std::string& s) {
  if (s == "interpolate") return nn::Missing::Interpolate;
  if (s == "drop") return nn::Missing::Drop;
  if (s == "error") return nn::Missing::Error;
  throw UsageError(fmt::format("unknown --missing '{}' (choose from interpolate, drop, error)", s));
}

nn::Series read_series(const std::string& csv, const std::string& column, const std::string& missing) {
  return nn::read_csv_series(csv, column, {.missing = missing_of(missing)});
}

std::shared_ptr<nn::TensorDataset> windows_of(const std::vector<double>& values, core::Index length,
                                              const nn::Normalization& norm) {
  return nn::make_windows(values, {.length = length, .stride = 1, .normalization = norm}).data;
}

void require_length(std::size_t n, core::Index window, const std::string& what) {
  if (static_cast<core::Index>(n) < window)
    throw UsageError(fmt::format("{} has {} values, fewer than the window of {} (use a longer series or a smaller --window)",
                                 what, n, window));
}

double linear_trend_share(const std::vector<double>& v) {
  const std::size_t n = v.size();
  if (n < 3) return 0;
  double mt = 0, mv = 0;
  for (std::size_t i = 0; i < n; ++i) mt += static_cast<double>(i), mv += v[i];
  mt /= static_cast<double>(n), mv /= static_cast<double>(n);
  double stt = 0, stv = 0, svv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = static_cast<double>(i) - mt, dv = v[i] - mv;
    stt += dt * dt, stv += dt * dv, svv += dv * dv;
  }
  return svv > 0 ? stv * stv / (stt * svv) : 0.0;
}

std::vector<double> differences(const std::vector<double>& v, const std::vector<core::Index>& lines) {
  std::vector<double> d;
  for (std::size_t i = 1; i < v.size(); ++i) {
    d.push_back(v[i] - v[i - 1]);
    if (!std::isfinite(d.back()))
      throw UsageError(fmt::format("{}the change from {} to {} is beyond double's range; the series cannot be "
                                   "differenced (--no-difference models the values)",
                                   i < lines.size() ? fmt::format("line {}: ", lines[i]) : "", v[i - 1], v[i]));
  }
  return d;
}

void require_representable(const std::vector<double>& modelled, const nn::Normalization& norm,
                           const std::vector<core::Index>& lines, std::size_t shift, const std::string& what) {
  for (std::size_t i = 0; i < modelled.size(); ++i) {
    if (std::isfinite(static_cast<float>(norm.apply(modelled[i])))) continue;
    const std::string where = i + shift < lines.size() ? fmt::format("line {}", lines[i + shift]) : fmt::format("value {}", i + shift);
    throw UsageError(fmt::format("{}, {}: {} is {:g} standard deviations from the mean, more than the model's float "
                                 "numbers can hold", what, where, modelled[i], norm.apply(modelled[i])));
  }
}

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  const double f = pos - static_cast<double>(i);
  return i + 1 < sorted.size() ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

nn::Normalization normalization_of(const json& data) {
  const json& n = data.at("normalization");
  const json &mean = n.at("mean"), &scale = n.at("scale");
  // Runs written before the normalisation was made overflow-safe may hold null here.
  if (!mean.is_number() || !scale.is_number() || !(scale.get<double>() > 0))
    throw UsageError(fmt::format("the run's config.json holds no usable normalisation (mean {}, scale {}); train it again",
                                 mean.dump(), scale.dump()));
  return {mean.get<double>(), scale.get<double>()};
}

std::string output_dir(const std::string& out, const std::string& run) {
  const std::string dir = out.empty() ? run : out;
  ensure_writable_dir(dir);
  return dir;
}

}  // namespace xgrad::apps
