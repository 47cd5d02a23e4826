#include "sequence/series_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

constexpr double kW = 900, kH = 360, kLeft = 70, kRight = 20, kTop = 36, kBottom = 40;

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(const std::vector<double>& v) {
    for (double x : v)
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  }
  void settle() {
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  }
};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

/// A step of 1, 2 or 5 times a power of ten giving about `n` ticks.
double nice_step(double span, int n) {
  const double raw = span / n, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

/// Tick positions and labels along t: years (or year-month over spans under two
/// years) for a calendar axis, else numbers.
std::vector<std::pair<double, std::string>> x_ticks(const Range& xr, bool calendar) {
  std::vector<std::pair<double, std::string>> ticks;
  const double span = xr.hi - xr.lo;
  if (calendar && span < 2) {
    const double months = span < 0.5 ? 1 : span < 1 ? 2 : 3;
    for (double m = std::ceil(xr.lo * 12 / months) * months; m <= xr.hi * 12 + 1e-9; m += months) {
      const auto whole = static_cast<long>(std::llround(m));
      ticks.emplace_back(m / 12, fmt::format("{}-{:02}", whole / 12, whole % 12 + 1));
    }
    return ticks;
  }
  const double step = calendar ? std::max(1.0, nice_step(span, 8)) : nice_step(span, 8);
  for (double t = std::ceil(xr.lo / step) * step; t <= xr.hi; t += step)
    ticks.emplace_back(t, calendar ? fmt::format("{:.0f}", t) : fmt::format("{:g}", t));
  return ticks;
}

}  // namespace

std::string render_series_svg(const SeriesPlot& p) {
  Range xr, yr;
  xr.add(p.t), xr.add(p.band_t), xr.add(p.actual_t);
  yr.add(p.values), yr.add(p.low), yr.add(p.high), yr.add(p.median), yr.add(p.actual);
  xr.settle(), yr.settle();
  const double pad = (yr.hi - yr.lo) * 0.05;
  yr.lo -= pad, yr.hi += pad;
  auto X = [&](double t) { return kLeft + (t - xr.lo) / (xr.hi - xr.lo) * (kW - kLeft - kRight); };
  auto Y = [&](double v) { return kH - kBottom - (v - yr.lo) / (yr.hi - yr.lo) * (kH - kTop - kBottom); };
  auto polyline = [&](const std::vector<double>& t, const std::vector<double>& v, const char* style) {
    std::string pts;
    for (std::size_t i = 0; i < std::min(t.size(), v.size()); ++i)
      if (std::isfinite(v[i])) pts += fmt::format("{:.1f},{:.1f} ", X(t[i]), Y(v[i]));
    return fmt::format("<polyline fill=\"none\" {} points=\"{}\"/>\n", style, pts);
  };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"20\" font-size=\"14\">{3}</text>\n",
      kW, kH, kLeft, escape(p.title));
  // Axes with ticks.
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", kLeft, kTop,
                     kW - kLeft - kRight, kH - kTop - kBottom);
  const double ys = nice_step(yr.hi - yr.lo, 6);
  for (double v = std::ceil(yr.lo / ys) * ys; v <= yr.hi; v += ys)
    svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
                       kLeft, kW - kRight, Y(v), kLeft - 6, Y(v) + 4, v);
  for (const auto& [t, label] : x_ticks(xr, p.calendar))
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", X(t), kH - kBottom + 16, label);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (kLeft + kW - kRight) / 2, kH - 6,
                     escape(p.x_label));
  svg += fmt::format("<text x=\"14\" y=\"{:.1f}\" transform=\"rotate(-90 14 {:.1f})\" text-anchor=\"middle\">{}</text>\n",
                     kH / 2, kH / 2, escape(p.y_label));
  // The band as one polygon: along the top, back along the bottom.
  if (!p.band_t.empty()) {
    std::string pts;
    for (std::size_t i = 0; i < p.band_t.size(); ++i) pts += fmt::format("{:.1f},{:.1f} ", X(p.band_t[i]), Y(p.high[i]));
    for (std::size_t i = p.band_t.size(); i-- > 0;) pts += fmt::format("{:.1f},{:.1f} ", X(p.band_t[i]), Y(p.low[i]));
    svg += fmt::format("<polygon fill=\"#9ecae1\" fill-opacity=\"0.6\" stroke=\"none\" points=\"{}\"/>\n", pts);
    svg += polyline(p.band_t, p.median, "stroke=\"#08519c\" stroke-width=\"1.5\"");
  }
  svg += polyline(p.t, p.values, "stroke=\"#333\" stroke-width=\"1\"");
  if (!p.actual_t.empty()) svg += polyline(p.actual_t, p.actual, "stroke=\"#d62728\" stroke-width=\"1\" stroke-dasharray=\"4 2\"");
  for (std::size_t i : p.marks)
    if (i < p.values.size() && i < p.t.size())
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n",
                         X(p.t[i]), Y(p.values[i]));
  return svg + "</svg>\n";
}

void write_series_svg(const std::string& path, const SeriesPlot& plot) {
  nn::write_file_atomic(path, render_series_svg(plot));
}

}  // namespace xgrad::apps
