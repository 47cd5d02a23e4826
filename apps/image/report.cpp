// xgrad report RUN: a self-contained HTML page (RUN/report.html) with the
// training curves as inline SVG, the pictures as base64 PNG and the metrics table.
#include "image/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

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

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

// Curves of train_loss and test_loss against epoch, as an SVG polyline chart.
std::string svg_curves(const std::vector<nlohmann::json>& rows) {
  const double W = 560, H = 300, L = 60, B = 40, R = 20, T = 20;
  double lo = 1e300, hi = -1e300;
  int max_epoch = 1;
  for (const auto& r : rows) {
    for (const char* k : {"train_loss", "test_loss"})
      if (r.contains(k) && r[k].is_number()) lo = std::min(lo, r[k].get<double>()), hi = std::max(hi, r[k].get<double>());
    max_epoch = std::max(max_epoch, r.value("epoch", 1));
  }
  if (rows.empty() || lo > hi) return "<p>No metrics.</p>";
  if (hi - lo < 1e-9) hi = lo + 1;
  auto x = [&](double e) { return L + (W - L - R) * (max_epoch == 1 ? 0.5 : (e - 1) / (max_epoch - 1)); };
  auto y = [&](double v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
  std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\">", W, H);
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>", L, T, H - B);
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>", L, H - B, W - R);
  s += fmt::format("<text x=\"4\" y=\"{}\" font-size=\"11\">{:.1f}</text>", T + 4, hi);
  s += fmt::format("<text x=\"4\" y=\"{}\" font-size=\"11\">{:.1f}</text>", H - B, lo);
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">epoch</text>", W / 2, H - 8);
  for (int e : {1, max_epoch})  // the first and last epoch under the x axis
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>", x(e), H - B + 14, e);
  const std::pair<const char*, const char*> series[] = {{"train_loss", "#1f77b4"}, {"test_loss", "#d62728"}};
  int li = 0;
  for (auto [key, colour] : series) {
    std::string pts;
    for (const auto& r : rows)
      if (r.contains(key) && r[key].is_number())
        pts += fmt::format("{:.1f},{:.1f} ", x(r.value("epoch", 1)), y(r[key].get<double>()));
    s += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>", colour, pts);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>", W - 120, T + 14 + 16 * li++, colour, key);
  }
  return s + "</svg>";
}

}  // namespace

std::string render_report(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw UsageError(fmt::format("run directory {} does not exist", dir));
  const std::string metrics_path = dir + "/metrics.jsonl";
  if (!fs::exists(metrics_path)) throw UsageError(fmt::format("{} is not a training run (no metrics.jsonl)", dir));
  std::vector<nlohmann::json> rows;
  std::ifstream in(metrics_path);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw UsageError(fmt::format("{}:{}: not a JSON object", metrics_path, line_no));
    rows.push_back(j);
  }
  std::string config = fs::exists(dir + "/config.json") ? nn::read_file_bytes(dir + "/config.json", "config") : "{}";
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>xgrad report</title>"
                     "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}"
                     "td,th{border:1px solid #999;padding:3px 8px;text-align:right}img{image-rendering:pixelated;width:420px}"
                     "</style></head><body>\n";
  html += fmt::format("<h1>xgrad run: {}</h1>\n<h2>Training curves</h2>\n{}\n", escape(dir), svg_curves(rows));
  html += "<h2>Metrics</h2>\n<table><tr><th>epoch</th><th>train loss</th><th>test loss</th><th>test recon</th><th>test KL</th><th>seconds</th></tr>\n";
  for (const auto& r : rows) {
    html += "<tr>";
    for (const char* k : {"epoch", "train_loss", "test_loss", "test_recon", "test_kl", "seconds"})
      html += !r.contains(k) || !r[k].is_number() ? "<td>—</td>"
              : k == std::string_view("epoch") ? fmt::format("<td>{}</td>", r[k].get<std::int64_t>())
                                               : fmt::format("<td>{:.3f}</td>", r[k].get<double>());
    html += "</tr>\n";
  }
  html += "</table>\n";
  for (auto [file, title] : {std::pair{"samples.png", "Samples"}, std::pair{"reconstructions.png", "Reconstructions (inputs above)"}}) {
    const std::string p = dir + "/" + file;
    if (fs::exists(p))
      html += fmt::format("<h2>{}</h2>\n<img alt=\"{}\" src=\"data:image/png;base64,{}\">\n", title, title,
                          base64(nn::read_file_bytes(p, "png")));
  }
  html += fmt::format("<h2>Configuration</h2>\n<pre>{}</pre>\n</body></html>\n", escape(config));
  return html;
}

namespace {

/// The flags of `xgrad report`.
struct ReportFlags {
  std::string run;
  CommonOptions common;
};

void run_report(const ReportFlags& o) {
  apply_common_options(o.common);
  const std::string path = o.common.out.empty() ? o.run + "/report.html" : o.common.out;
  nn::write_file_atomic(path, render_report(o.run));
  std::printf("%s\n", path.c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportFlags>();
  auto* cmd = app.add_subcommand("report", "Write RUN/report.html: curves, pictures and metrics, readable offline");
  cmd->add_option("run", o->run, "Run directory")->required();
  add_common_options(*cmd, o->common, "HTML file to write (default RUN/report.html)", false);
  cmd->callback([o] { run_report(*o); });
}

}  // namespace xgrad::apps
