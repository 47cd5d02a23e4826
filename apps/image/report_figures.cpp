#include "image/report_figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace xgrad::apps {

namespace {

constexpr double kW = 640, kH = 300, kLeft = 70, kRight = 20, kTop = 16, kBottom = 44;

struct Span {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  void settle() {
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  }
};

/// 1, 2 or 5 times a power of ten, giving about n ticks over `span`.
double tick_step(double span, int n) {
  const double raw = span / n, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

/// The frame, ticks and axis names of a chart over x in `xs` and y in `ys`.
std::string axes(const Span& xs, const Span& ys, const std::string& x_label, const std::string& y_label, bool x_ticks) {
  auto X = [&](double x) { return kLeft + (x - xs.lo) / (xs.hi - xs.lo) * (kW - kLeft - kRight); };
  auto Y = [&](double y) { return kH - kBottom - (y - ys.lo) / (ys.hi - ys.lo) * (kH - kTop - kBottom); };
  std::string s = fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", kLeft,
                              kTop, kW - kLeft - kRight, kH - kTop - kBottom);
  const double ystep = tick_step(ys.hi - ys.lo, 5);
  for (double v = std::ceil(ys.lo / ystep) * ystep; v <= ys.hi + 1e-9; v += ystep)
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n", kLeft - 6, Y(v) + 4,
                     std::abs(v) < ystep * 1e-6 ? 0.0 : v);  // no "-0" from rounding
  if (x_ticks) {
    const double xstep = std::max(1.0, tick_step(xs.hi - xs.lo, 6));
    for (double v = std::ceil(xs.lo / xstep) * xstep; v <= xs.hi + 1e-9; v += xstep)
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>\n", X(v), kH - kBottom + 16, v);
  }
  s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (kLeft + kW - kRight) / 2, kH - 6,
                   escape_html(x_label));
  s += fmt::format("<text x=\"14\" y=\"{0:.1f}\" transform=\"rotate(-90 14 {0:.1f})\" text-anchor=\"middle\">{1}</text>\n",
                   (kTop + kH - kBottom) / 2, escape_html(y_label));
  return s;
}

std::string svg_open() {
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                     "role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n",
                     kW, kH);
}

}  // namespace

std::string escape_html(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return o;
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

std::string svg_line_chart(const std::vector<Curve>& curves, const std::string& x_label, const std::string& y_label) {
  Span xs, ys;
  for (const Curve& c : curves)
    for (std::size_t i = 0; i < std::min(c.x.size(), c.y.size()); ++i) xs.add(c.x[i]), ys.add(c.y[i]);
  if (!(xs.lo <= xs.hi)) return "<p>No figures to draw.</p>";
  xs.settle(), ys.settle();
  const double pad = (ys.hi - ys.lo) * 0.05;
  ys.lo -= pad, ys.hi += pad;
  auto X = [&](double x) { return kLeft + (x - xs.lo) / (xs.hi - xs.lo) * (kW - kLeft - kRight); };
  auto Y = [&](double y) { return kH - kBottom - (y - ys.lo) / (ys.hi - ys.lo) * (kH - kTop - kBottom); };
  std::string s = svg_open() + axes(xs, ys, x_label, y_label, true);
  int legend = 0;
  for (const Curve& c : curves) {
    std::string pts;
    for (std::size_t i = 0; i < std::min(c.x.size(), c.y.size()); ++i)
      if (std::isfinite(c.y[i])) pts += fmt::format("{:.1f},{:.1f} ", X(c.x[i]), Y(c.y[i]));
    s += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", c.colour, pts);
    if (c.x.size() == 1)  // one point draws no line: mark it
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", X(c.x[0]), Y(c.y[0]), c.colour);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>\n", kW - kRight - 150,
                     kTop + 16 + 16 * legend++, c.colour, escape_html(c.name));
  }
  return s + "</svg>";
}

std::string svg_bar_chart(const std::vector<double>& values, const std::string& x_label, const std::string& y_label) {
  Span xs{-0.5, static_cast<double>(values.size()) - 0.5}, ys{0, 0};
  for (double v : values) ys.add(v);
  ys.settle();
  ys.hi *= 1.05;
  auto Y = [&](double y) { return kH - kBottom - (y - ys.lo) / (ys.hi - ys.lo) * (kH - kTop - kBottom); };
  const double slot = (kW - kLeft - kRight) / std::max<double>(1, static_cast<double>(values.size()));
  std::string s = svg_open() + axes(xs, ys, x_label, y_label, false);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double x = kLeft + slot * static_cast<double>(i), v = std::isfinite(values[i]) ? values[i] : 0;
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#1f77b4\"><title>{}: {:.3f}</title></rect>\n",
                     x + slot * 0.15, Y(v), slot * 0.7, Y(0) - Y(v), i, v);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{}</text>\n", x + slot / 2,
                     kH - kBottom + 14, i);
  }
  return s + "</svg>";
}

std::pair<int, int> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {0, 0};
  auto be32 = [&](std::size_t at) {
    return static_cast<int>((unsigned char)png[at] << 24 | (unsigned char)png[at + 1] << 16 |
                            (unsigned char)png[at + 2] << 8 | (unsigned char)png[at + 3]);
  };
  return {be32(16), be32(20)};
}

namespace {
int whole_scale(int width, int max_width) { return width > 0 ? std::clamp(max_width / width, 1, 4) : 1; }
}  // namespace

std::string picture_html(const std::string& png, const std::string& alt, int max_width) {
  const auto [w, h] = png_size(png);
  const int k = whole_scale(w, max_width);
  return fmt::format("<img alt=\"{}\" width=\"{}\" height=\"{}\" src=\"data:image/png;base64,{}\">", escape_html(alt), w * k,
                     h * k, base64(png));
}

std::string traversal_html(const std::string& png, const nlohmann::json& rows, int max_width) {
  // tile_images: a 2-pixel gap around tiles of S pixels, so row i starts at 2 + (S + 2) i and the
  // picture of n rows is 2 + (S + 2) n high; S is the run's image side (28 on Fashion-MNIST).
  constexpr int gap = 2;
  const auto [w, h] = png_size(png);
  const int k = whole_scale(w, max_width);
  const nlohmann::json list = rows.value("rows", nlohmann::json::array());
  const int n = std::max(1, static_cast<int>(list.size()));
  const int tile = std::max(1, (h - gap) / n - gap);
  std::string labels;
  const std::string score = rows.value("score", std::string("KL"));
  for (const auto& r : list) {
    const double v = r.value(score, std::nan(""));
    labels += fmt::format("<div style=\"height:{}px;line-height:{}px\">z {} · {} {:.2f}{}</div>", (tile + gap) * k, tile * k,
                          r.value("dim", -1), score, v, score == "KL" ? " nats" : "");
  }
  return fmt::format("<div style=\"display:flex;gap:8px\"><div style=\"padding-top:{}px;text-align:right;font-size:13px\">{}"
                     "</div>{}</div>",
                     2 * k, labels, picture_html(png, "Traversal", max_width));
}

}  // namespace xgrad::apps

namespace xgrad::apps {

std::string svg_scatter_chart(const std::vector<double>& x, const std::vector<double>& y, const std::vector<std::int64_t>& groups,
                              const std::vector<std::string>& group_names, const std::string& x_label,
                              const std::string& y_label) {
  // Ten colours that stay apart for the ten classes (Tableau 10).
  static const char* colours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  Span xs, ys;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) xs.add(x[i]), ys.add(y[i]);
  if (!(xs.lo <= xs.hi)) return "<p>No points to draw.</p>";
  xs.settle(), ys.settle();
  auto X = [&](double v) { return kLeft + (v - xs.lo) / (xs.hi - xs.lo) * (kW - kLeft - kRight - 110); };
  auto Y = [&](double v) { return kH - kBottom - (v - ys.lo) / (ys.hi - ys.lo) * (kH - kTop - kBottom); };
  Span frame = xs;
  frame.hi = xs.lo + (xs.hi - xs.lo) * (kW - kLeft - kRight) / (kW - kLeft - kRight - 110);  // room for the legend
  std::string s = svg_open() + axes(frame, ys, x_label, y_label, true);
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i]))
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"1.6\" fill=\"{}\" fill-opacity=\"0.6\"/>\n", X(x[i]),
                       Y(y[i]), colours[static_cast<std::size_t>(groups[i]) % 10]);
  for (std::size_t g = 0; g < group_names.size(); ++g)
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>\n", kW - kRight - 100,
                     kTop + 16 + 16 * g, colours[g % 10], escape_html(group_names[g]));
  return s + "</svg>";
}

}  // namespace xgrad::apps
