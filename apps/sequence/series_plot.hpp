#pragma once
// Line plots of a time series as standalone SVG files (any browser shows them, no
// plotting library needed): the history, an optional forecast band with its median,
// held-out values, and marked points (top anomaly scores).
#include <string>
#include <vector>

namespace xgrad::apps {

struct SeriesPlot {
  std::string title{}, y_label{};
  std::string x_label = "row";  ///< what t is: the time column's name, or row numbers
  bool calendar = false;        ///< t is in decimal years: ticks are years (or months, over short spans)
  std::vector<double> t{}, values{};        ///< the history (a line)
  std::vector<double> band_t{}, low{}, median{}, high{};  ///< a shaded band with a median line (may be empty)
  std::vector<double> actual_t{}, actual{}; ///< held-out values (a dashed line, may be empty)
  std::vector<std::size_t> marks{};         ///< indices into `values` drawn as red circles
};

/// The plot as SVG text, 900x360 with axes, tick labels and the axes' names.
std::string render_series_svg(const SeriesPlot& plot);
/// Writes render_series_svg(plot) to `path` atomically.
void write_series_svg(const std::string& path, const SeriesPlot& plot);

}  // namespace xgrad::apps
