// xgrad report RUN: a self-contained HTML page (RUN/report.html) of what the run
// knows: training curves with units, the metrics table, the evaluation when
// `xgrad eval` has been run (IWAE, active units, KL per dimension), the pictures and
// plots found in the run folder, and the settings the model uses. Image runs and
// sequence runs (text, series) alike; readable offline, no scripts.
#include "image/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "common/cli.hpp"
#include "image/commands.hpp"
#include "image/report_figures.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/nn/data/file_io.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<json> read_metrics(const std::string& dir) {
  const std::string path = dir + "/metrics.jsonl";
  if (!fs::exists(path)) throw UsageError(fmt::format("{} is not a training run (no metrics.jsonl)", dir));
  std::vector<json> rows;
  std::ifstream in(path);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw UsageError(fmt::format("{}:{}: not a JSON object", path, line_no));
    rows.push_back(j);
  }
  return rows;
}

/// A JSON file of the run, or null when it is missing or unreadable (the report shows what there is).
json read_json(const std::string& path) {
  if (!fs::exists(path)) return nullptr;
  json j = json::parse(nn::read_file_bytes(path, "json"), nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

Curve curve(const std::vector<json>& rows, const char* x, const char* key, const std::string& name, const char* colour) {
  Curve c{name, colour, {}, {}};
  for (const auto& r : rows)
    if (r.contains(x) && r.contains(key) && r[key].is_number()) c.x.push_back(r[x].get<double>()), c.y.push_back(r[key].get<double>());
  return c;
}

/// A table of the rows' figures: (key, heading) per column; whole numbers for counts.
std::string metrics_table(const std::vector<json>& rows, const std::vector<std::pair<const char*, const char*>>& columns) {
  std::string html = "<table><tr>";
  for (const auto& [key, heading] : columns) html += fmt::format("<th>{}</th>", heading);
  html += "</tr>\n";
  for (const auto& r : rows) {
    html += "<tr>";
    for (const auto& [key, heading] : columns) {
      const bool count = key == std::string_view("epoch") || key == std::string_view("step");
      html += !r.contains(key) || !r[key].is_number() ? "<td>—</td>"
              : count ? fmt::format("<td>{}</td>", r[key].get<std::int64_t>())
                      : fmt::format("<td>{:.3f}</td>", r[key].get<double>());
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string section(const std::string& title, const std::string& body) {
  return fmt::format("<h2>{}</h2>\n{}\n", escape_html(title), body);
}

/// The model's registered capabilities (defaults for a kind this program does not know).
models::ModelCapabilities capabilities(const json& config) {
  const std::string kind = config.contains("model") ? config["model"].value("kind", std::string()) : std::string();
  const auto& registry = models::ModelRegistry::global();
  return registry.contains(kind) ? registry.at(kind).caps : models::ModelCapabilities{};
}

std::string image_curves(const std::vector<json>& rows, const models::ModelCapabilities& caps) {
  const std::string what = caps.has_elbo ? "−ELBO" : "reconstruction −log p(x | z)";
  return section("Training curves",
                 svg_line_chart({curve(rows, "epoch", "train_loss", "train " + what, "#1f77b4"),
                                 curve(rows, "epoch", "test_loss", "test " + what, "#d62728")},
                                "epoch", what + " (nats per image)")) +
         section("Metrics per epoch (nats per image)",
                 metrics_table(rows, {{"epoch", "epoch"}, {"train_loss", "train loss"}, {"test_loss", "test loss"},
                                      {"test_recon", "test recon"}, {"test_kl", "test KL"}, {"seconds", "seconds"}}));
}

std::string figure_row(const char* name, const json& v, const char* unit) {
  return v.is_number() ? fmt::format("<tr><th>{}</th><td>{:.3f} {}</td></tr>\n", name, v.get<double>(), unit) : "";
}

/// The evaluation xgrad eval left in RUN/eval.json.
std::string evaluation(const json& ev, const std::string& dir) {
  if (!ev.is_object())
    return section("Evaluation", fmt::format("<p>Not evaluated yet: <code>xgrad eval {}</code> adds the test "
                                             "figures (IWAE bound, active units, KL per dimension) here.</p>",
                                             escape_html(dir)));
  std::string t = "<table>\n";
  t += figure_row("test −ELBO", ev.value("test_neg_elbo", json()), "nats");
  t += figure_row("IWAE log-likelihood bound", ev.value("iwae_log_likelihood", json()), "nats");
  t += figure_row("total KL", ev.value("total_kl", json()), "nats");
  t += figure_row("reconstruction error", ev.value("recon_error", json()), "(mean squared, per pixel)");
  if (ev.contains("activity_per_dim") && ev.contains("active_units"))
    t += fmt::format("<tr><th>active units</th><td>{} of {} dimensions</td></tr>\n", ev["active_units"].get<int>(),
                     ev["activity_per_dim"].size());
  if (ev.value("conditional_accuracy", json()).is_number())
    t += fmt::format("<tr><th>conditional accuracy</th><td>{:.1f} %</td></tr>\n", 100 * ev["conditional_accuracy"].get<double>());
  std::string body = t + "</table>\n";
  if (ev.value("kl_per_dim", json()).is_array())
    body += "<h3>KL per latent dimension</h3>\n" +
            svg_bar_chart(ev["kl_per_dim"].get<std::vector<double>>(), "latent dimension", "KL (nats)");
  return section("Evaluation", body);
}

std::string pictures(const std::string& dir) {
  std::string html;
  const std::pair<const char*, const char*> files[] = {{"samples.png", "Samples"},
                                                       {"reconstructions.png", "Reconstructions (inputs above)"},
                                                       {"interpolation.png", "Interpolation between two test images"}};
  for (auto [file, title] : files)
    if (fs::exists(dir + "/" + file)) html += section(title, picture_html(nn::read_file_bytes(dir + "/" + file, "png"), title));
  if (fs::exists(dir + "/traversal.png")) {
    const json rows = read_json(dir + "/traversal.json");
    const std::string png = nn::read_file_bytes(dir + "/traversal.png", "png");
    html += section("Latent traversal (one row per dimension)",
                    rows.is_object() ? traversal_html(png, rows) : picture_html(png, "Traversal"));
  }
  return html;
}

std::string sequence_curves(const std::vector<json>& rows, bool text) {
  std::string html = section(
      "Training curves",
      svg_line_chart({curve(rows, "step", "train_nats_per_step", "train −ELBO", "#1f77b4"),
                      curve(rows, "step", "val_nats_per_step", "validation −ELBO", "#d62728"),
                      curve(rows, "step", "val_kl_per_step", "validation KL", "#2ca02c")},
                     "training step", text ? "nats per character" : "nats per time step"));
  if (text)
    html += section("Bits per character (bound)",
                    svg_line_chart({curve(rows, "step", "train_bits_per_char", "train", "#1f77b4"),
                                    curve(rows, "step", "val_bits_per_char", "validation", "#d62728")},
                                   "training step", "bits per character"));
  std::vector<std::pair<const char*, const char*>> cols = {
      {"step", "step"}, {"train_nats_per_step", "train −ELBO (nats/step)"}, {"val_nats_per_step", "validation −ELBO (nats/step)"},
      {"val_kl_per_step", "validation KL (nats/step)"}};
  if (text) cols.emplace_back("val_bits_per_char", "validation bits/char");
  cols.emplace_back("seconds", "seconds");
  return html + section("Metrics", metrics_table(rows, cols));
}

std::string series_plots(const std::string& dir) {
  std::string html;
  for (auto [file, title] : {std::pair{"forecast.svg", "Forecast"}, std::pair{"anomaly.svg", "Anomaly scores"}})
    if (fs::exists(dir + "/" + file))
      html += section(title, fmt::format("<img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\" style=\"width:100%\">", title,
                                         base64(nn::read_file_bytes(dir + "/" + file, "svg"))));
  return html;
}

/// Whether a model option does anything in this configuration (unused ones are not shown).
bool option_used(const std::string& name, const json& value, const json& model) {
  if (value.is_string() && value.get<std::string>().empty()) return false;  // an empty schedule: none
  if (name == "kind" || name == "text") return false;                        // shown as the run's kind
  if (name == "likelihood" || name == "components") {  // bytes always have the categorical head
    if (model.value("text", false)) return false;
    return name == "likelihood" || model.value("likelihood", std::string()) == "gmm";
  }
  return true;
}

std::string scalar(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

/// The model's kind and the options it uses, and how the run was made (arrays summarised).
std::string settings(const json& config) {
  if (!config.is_object()) return section("Settings", "<p>No config.json in the run.</p>");
  const json model = config.value("model", json::object());
  std::string t = fmt::format("<table>\n<tr><th>model</th><td>{}</td></tr>\n", escape_html(model.value("kind", std::string("?"))));
  for (const auto& [k, v] : model.items())
    if (option_used(k, v, model)) t += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", escape_html(k), escape_html(scalar(v)));
  for (const auto& [k, v] : config.items()) {
    if (k == "model" || k == "version" || k == "describe") continue;
    if (v.is_object()) {
      for (const auto& [dk, dv] : v.items())
        if (!dv.is_null())
          t += fmt::format("<tr><th>{} {}</th><td>{}</td></tr>\n", escape_html(k), escape_html(dk),
                           dv.is_array() ? fmt::format("{} values", dv.size()) : escape_html(dv.is_object() ? dv.dump() : scalar(dv)));
    } else if (!(v.is_number() && v.get<double>() == 0)) {  // 0: a budget or limit not used
      t += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", escape_html(k), escape_html(scalar(v)));
    }
  }
  return section("Settings", t + "</table>\n");
}

constexpr const char* kHead =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>xgrad report</title>"
    "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto}table{border-collapse:collapse}"
    "td,th{border:1px solid #999;padding:3px 8px}td{text-align:right}th{text-align:left}"
    "img{image-rendering:pixelated}</style></head><body>\n";

}  // namespace

std::string render_report(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UsageError(fmt::format("run directory {} does not exist", dir));
  const std::vector<json> rows = read_metrics(dir);
  const json config = read_json(dir + "/config.json");
  const std::string command = config.is_object() ? config.value("command", std::string("train")) : "train";
  std::string html = std::string(kHead) + fmt::format("<h1>xgrad run: {}</h1>\n", escape_html(dir));
  if (command == "text train" || command == "series train") {
    html += sequence_curves(rows, command == "text train") + series_plots(dir);
  } else {
    html += image_curves(rows, capabilities(config)) + evaluation(read_json(dir + "/eval.json"), dir) + pictures(dir);
  }
  return html + settings(config) + "</body></html>\n";
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
  auto* cmd = app.add_subcommand("report", "Write RUN/report.html: curves, evaluation, pictures and settings, readable offline");
  cmd->add_option("run", o->run, "Run directory (of xgrad train, text train or series train)")->required();
  add_common_options(*cmd, o->common, "HTML file to write (default RUN/report.html)", false);
  cmd->callback([o] { run_report(*o); });
}

}  // namespace xgrad::apps
