// xgrad series anomaly: a per-step score (negative per-step ELBO) for every value of a
// series, each scored with the window of context that precedes it, as in training.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/csv_writer.hpp"
#include "sequence/sequence_training.hpp"
#include "sequence/series_commands.hpp"
#include "sequence/series_data.hpp"
#include "sequence/series_plot.hpp"
#include "sequence/series_time.hpp"

namespace xgrad::apps {

using nlohmann::json;

namespace {

/// The flags of `xgrad series anomaly`.
struct SeriesAnomalyFlags {
  std::string dir, out, csv, column, missing;
  int k = 8;
  core::Index top = 10;
  std::uint64_t seed = 1;
  int threads = 0;
};

/// The series to score: --csv and --column, or the run's training file and column.
struct ScoredColumn {
  std::string csv, column;
  nn::Series series;
};

ScoredColumn series_to_score(const SeriesAnomalyFlags& o, const json& data) {
  ScoredColumn src;
  src.csv = o.csv.empty() ? data.at("csv").get<std::string>() : o.csv;
  src.column = o.column;
  if (src.column.empty()) {
    if (!o.csv.empty()) throw UsageError("--column is required with --csv (the header name of the numeric column)");
    src.column = data.at("column").get<std::string>();
  }
  src.series = read_series(src.csv, src.column,
                           o.missing.empty() ? data.value("missing", std::string("interpolate")) : o.missing);
  return src;
}

/// The score of each of `n_values` values (-inf where there is none) from the windows over
/// what the model reads, whose step i is value i + shift.
std::vector<double> step_scores(models::SequenceModel& model, const nn::Dataset& windows, core::Index window, std::size_t n_values,
                                std::size_t shift, const SeriesAnomalyFlags& o) {
  // Step t is scored in the window that ends at it, so it sees window - 1 steps of
  // context as in training; the first window's steps are scored where they are.
  const core::Index nw = windows.size();
  // A differenced model has no score for the first value (it has no change).
  std::vector<double> score(n_values, -std::numeric_limits<double>::infinity());
  core::Generator gen(o.seed);
  const core::Index batch = 64;
  for (core::Index first = 0; first < nw; first += batch) {
    std::vector<core::Index> idx;
    for (core::Index w = first; w < std::min(nw, first + batch); ++w) idx.push_back(w);
    const core::Tensor<float> s = model.step_scores(windows.get_batch(idx), o.k, gen);
    for (std::size_t r = 0; r < idx.size(); ++r) {
      const core::Index w = idx[r];
      if (w == 0)
        for (core::Index t = 0; t < window; ++t) score[static_cast<std::size_t>(t) + shift] = s.data()[t];
      else
        score[static_cast<std::size_t>(w + window - 1) + shift] = s.data()[static_cast<core::Index>(r) * window + window - 1];
    }
  }
  return score;
}

/// The indices of the `top` highest scores, highest first.
std::vector<std::size_t> highest(const std::vector<double>& score, std::size_t top) {
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  order.resize(top);
  return order;
}

/// DIR/anomaly.csv (t, value, score; empty where there is none) and DIR/anomaly.svg (the series, `top` marked).
void write_anomaly_files(const std::string& dir, const ScoredColumn& src, const std::vector<double>& score,
                         const std::vector<std::size_t>& top, const SeriesAnomalyFlags& o) {
  const std::vector<double>& values = src.series.values;
  CsvWriter out({"t", "value", "score"});
  const TimeAxis time = read_time_axis(src.csv, src.series.lines);
  SeriesPlot plot{.title = fmt::format("{}: negative per-step ELBO, top {} marked", src.column, o.top), .y_label = src.column,
                  .x_label = time.label, .calendar = time.calendar};
  for (core::Index t = 0; t < static_cast<core::Index>(values.size()); ++t) {
    const double sc = score[static_cast<std::size_t>(t)];
    out.row({static_cast<double>(t), values[static_cast<std::size_t>(t)], std::isfinite(sc) ? sc : std::nan("")});
    plot.t.push_back(time.at(static_cast<double>(t))), plot.values.push_back(values[static_cast<std::size_t>(t)]);
  }
  plot.marks = top;
  out.save(dir + "/anomaly.csv");
  write_series_svg(dir + "/anomaly.svg", plot);
}

void run_series_anomaly(const SeriesAnomalyFlags& o) {
  apply_common_options({.seed = o.seed, .threads = o.threads});
  require_positive("--k", o.k);
  require_positive("--top", static_cast<double>(o.top));
  LoadedSequenceRun run = load_sequence_run(o.dir, "series train");
  models::SequenceModel* model = sequence_model_of(run.model);
  if (!model) throw UsageError(fmt::format("{} holds a {} run, which gives no anomaly scores", o.dir, run.model_config.kind));
  const json& data = run.config.at("data");
  const ScoredColumn src = series_to_score(o, data);
  const std::vector<double>& values = src.series.values;
  const auto window = data.at("window").get<core::Index>();
  const bool diff = data.value("difference", false);
  const std::vector<double> seen = diff ? differences(values, src.series.lines) : values;  // seen[i] is values[i + shift]
  const std::size_t shift = diff ? 1 : 0;
  const std::string what = fmt::format("column {} of {}", src.column, src.csv);
  require_length(seen.size(), window, what + (diff ? " differenced" : ""));
  const std::string dir = output_dir(o.out, o.dir);

  require_representable(seen, normalization_of(data), src.series.lines, shift, what);
  const std::vector<double> score =
      step_scores(*model, *windows_of(seen, window, normalization_of(data)), window, values.size(), shift, o);
  const core::Index n = static_cast<core::Index>(values.size());
  const std::vector<std::size_t> top = highest(score, static_cast<std::size_t>(std::min(o.top, n)));
  write_anomaly_files(dir, src, score, top, o);
  fmt::print("scored {} steps of column {} of {}: wrote {}/anomaly.csv and {}/anomaly.svg\ntop {}:", n, src.column,
             src.csv, dir, dir, top.size());
  for (std::size_t i : top) fmt::print(" {}", i);
  fmt::print("\n");
}

}  // namespace

void add_series_anomaly(CLI::App& series) {
  auto o = std::make_shared<SeriesAnomalyFlags>();
  auto* cmd = series.add_subcommand("anomaly", "Score every step of a series (negative per-step ELBO); write anomaly.csv and anomaly.svg");
  cmd->add_option("dir", o->dir, "Run directory of xgrad series train")->required();
  cmd->add_option("--csv", o->csv, "CSV file to score (default: the training file)");
  cmd->add_option("--column", o->column, "Column name (default: the training column)");
  cmd->add_option("--missing", o->missing, "Empty or NA cells: interpolate, drop or error (default: as in training)");
  cmd->add_option("--k", o->k, "Posterior samples averaged per score")->capture_default_str();
  cmd->add_option("--top", o->top, "Highest scores marked in the plot and printed")->capture_default_str();
  cmd->add_option("--out", o->out, "Directory for anomaly.csv and anomaly.svg (default: the run directory)");
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->callback([o] { run_series_anomaly(*o); });
}

}  // namespace xgrad::apps
