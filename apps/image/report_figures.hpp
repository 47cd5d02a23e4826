#pragma once
// The figures of a run's report as HTML fragments: line charts and bar charts as
// inline SVG with named axes and units, and PNG pictures embedded at a whole-number
// scale (every pixel the same size) — a traversal with its rows labelled.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xgrad::apps {

struct Curve {
  std::string name, colour;
  std::vector<double> x, y;
};

/// Curves against a shared x axis; `x_label` and `y_label` name the axes with units.
std::string svg_line_chart(const std::vector<Curve>& curves, const std::string& x_label, const std::string& y_label);
/// One bar per value, labelled by its index (e.g. KL per latent dimension).
std::string svg_bar_chart(const std::vector<double>& values, const std::string& x_label, const std::string& y_label);
/// Points (x[i], y[i]) coloured by group (0..9 cycle through ten colours), with a legend
/// of the group names (e.g. a 2-D map of codes by class).
std::string svg_scatter_chart(const std::vector<double>& x, const std::vector<double>& y, const std::vector<std::int64_t>& groups,
                              const std::vector<std::string>& group_names, const std::string& x_label,
                              const std::string& y_label);

/// (width, height) from a PNG's header; (0, 0) when the bytes are not a PNG.
std::pair<int, int> png_size(const std::string& png);
/// The picture as an <img> scaled by the largest whole factor (at most 4) that fits `max_width`.
std::string picture_html(const std::string& png, const std::string& alt, int max_width = 720);
/// A traversal grid beside a label per row ("z 3 · KL 2.41 nats"), from the rows file
/// `xgrad traverse` writes next to the picture.
std::string traversal_html(const std::string& png, const nlohmann::json& rows, int max_width = 640);

std::string base64(const std::string& in);
std::string escape_html(const std::string& s);

}  // namespace xgrad::apps
