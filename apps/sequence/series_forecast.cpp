// xgrad series forecast: draws futures from the end of the training series and
// summarises them per step (median, 5-95% band) against any held-out values.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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

/// The flags of `xgrad series forecast`.
struct SeriesForecastFlags {
  std::string dir, out;
  core::Index horizon = 52, samples = 200, context = 0, show = 0;
  std::uint64_t seed = 1;
  int threads = 0;
};

/// The series a run was trained on, as config.json stores it and the model reads it.
struct TrainedSeries {
  std::vector<double> values;  ///< the whole series, held-out values included
  core::Index n_train = 0;     ///< the first n_train values trained the model
  nn::Normalization norm;
  TimeAxis time;               ///< the rows' dates, or row numbers (runs without a date column)
  bool diff = false;           ///< the model reads changes between values
  std::vector<double> seen;    ///< what the model reads: the training values, or their changes (one fewer)
};

TrainedSeries trained_series(const json& data) {
  TrainedSeries s;
  s.values = data.at("values").get<std::vector<double>>();
  s.n_train = data.at("train_length").get<core::Index>();
  s.norm = normalization_of(data);
  s.diff = data.value("difference", false);
  s.time = TimeAxis::from_json(data.value("time", json()));
  const std::vector<double> train(s.values.begin(), s.values.begin() + s.n_train);
  s.seen = s.diff ? differences(train) : train;
  return s;
}

/// --samples futures of --horizon steps (normalised), each read on from the last `context` seen steps.
core::Tensor<float> sample_futures(models::SequenceModel& model, const TrainedSeries& s, core::Index context,
                                   const SeriesForecastFlags& o) {
  const auto n_seen = static_cast<core::Index>(s.seen.size());
  // The same context for every sample; the futures differ through z and x draws.
  core::Tensor<float> history({o.samples, context, 1});
  for (core::Index b = 0; b < o.samples; ++b)
    for (core::Index t = 0; t < context; ++t)
      history.data()[b * context + t] = static_cast<float>(s.norm.apply(s.seen[static_cast<std::size_t>(n_seen - context + t)]));
  core::Generator gen(o.seed);
  return model.sample_future(history, o.horizon, gen);
}

/// Per forecast step: the median and 5-95% band of the futures, and the held-out value where there is one.
struct ForecastSummary {
  CsvWriter csv{{"t", "median", "p05", "p95", "actual"}};
  SeriesPlot plot;  ///< the band, its median and the held-out values
  core::Index covered = 0, compared = 0;
};

ForecastSummary summarise_futures(const core::Tensor<float>& futures, const TrainedSeries& s,
                                  const SeriesForecastFlags& o) {
  ForecastSummary f;
  const core::Index n_train = s.n_train;
  std::vector<double> draws(static_cast<std::size_t>(o.samples));
  // With --difference each future is the last value plus its running sum of changes.
  std::vector<double> level(static_cast<std::size_t>(o.samples), s.values[static_cast<std::size_t>(n_train - 1)]);
  for (core::Index h = 0; h < o.horizon; ++h) {
    for (core::Index b = 0; b < o.samples; ++b) {
      const double v = s.norm.invert(futures.data()[b * o.horizon + h]);
      auto& lv = level[static_cast<std::size_t>(b)];
      lv += v;
      draws[static_cast<std::size_t>(b)] = s.diff ? lv : v;
    }
    std::sort(draws.begin(), draws.end());
    const double t = s.time.at(static_cast<double>(n_train + h)), lo = quantile(draws, 0.05), hi = quantile(draws, 0.95);
    const double med = quantile(draws, 0.5);
    double actual = std::nan("");
    if (n_train + h < static_cast<core::Index>(s.values.size())) {
      actual = s.values[static_cast<std::size_t>(n_train + h)];
      ++f.compared;
      if (lo <= actual && actual <= hi) ++f.covered;
      f.plot.actual_t.push_back(t), f.plot.actual.push_back(actual);
    }
    f.csv.row({static_cast<double>(n_train + h), med, lo, hi, actual});
    f.plot.band_t.push_back(t), f.plot.low.push_back(lo), f.plot.median.push_back(med), f.plot.high.push_back(hi);
  }
  return f;
}

void run_series_forecast(const SeriesForecastFlags& o) {
  apply_common_options({.seed = o.seed, .threads = o.threads});
  require_positive("--horizon", static_cast<double>(o.horizon));
  require_positive("--samples", static_cast<double>(o.samples));
  if (o.context < 0) throw UsageError(fmt::format("--context must be >= 0 (got {})", o.context));
  LoadedSequenceRun run = load_sequence_run(o.dir, "series train");
  models::SequenceModel* model = sequence_model_of(run.model);
  if (!model) throw UsageError(fmt::format("{} holds a {} run, which cannot forecast", o.dir, run.model_config.kind));
  const json& data = run.config.at("data");
  const TrainedSeries s = trained_series(data);
  const core::Index n_train = s.n_train;
  const core::Index context =
      std::min(o.context > 0 ? o.context : data.at("window").get<core::Index>(), static_cast<core::Index>(s.seen.size()));
  const std::string dir = output_dir(o.out, o.dir);

  ForecastSummary f = summarise_futures(sample_futures(*model, s, context, o), s, o);
  f.plot.title = fmt::format("{}: forecast of {} steps, median and 5-95% band of {} samples",
                             data.value("column", std::string("series")), o.horizon, o.samples);
  f.plot.y_label = data.value("column", std::string("value"));
  f.plot.x_label = s.time.label, f.plot.calendar = s.time.calendar;
  const core::Index show = std::min(o.show > 0 ? o.show : 4 * o.horizon, n_train);
  for (core::Index t = n_train - show; t < n_train; ++t)
    f.plot.t.push_back(s.time.at(static_cast<double>(t))), f.plot.values.push_back(s.values[static_cast<std::size_t>(t)]);
  f.csv.save(dir + "/forecast.csv");
  write_series_svg(dir + "/forecast.svg", f.plot);
  fmt::print("forecast of {} steps from t={} ({} samples, context {}): wrote {}/forecast.csv and {}/forecast.svg\n",
             o.horizon, n_train, o.samples, context, dir, dir);
  if (f.compared > 0)
    fmt::print("coverage {:.4f}: the 5-95% band holds {} of {} held-out values\n",
               static_cast<double>(f.covered) / static_cast<double>(f.compared), f.covered, f.compared);
}

}  // namespace

void add_series_forecast(CLI::App& series) {
  auto o = std::make_shared<SeriesForecastFlags>();
  auto* cmd = series.add_subcommand("forecast", "Sample futures from the end of the training series; write forecast.csv and forecast.svg");
  cmd->add_option("dir", o->dir, "Run directory of xgrad series train")->required();
  cmd->add_option("--horizon", o->horizon, "Steps to forecast")->capture_default_str();
  cmd->add_option("--samples", o->samples, "Sampled futures")->capture_default_str();
  cmd->add_option("--context", o->context, "History steps the model reads first (0 = the training window)")->capture_default_str();
  cmd->add_option("--show", o->show, "History steps drawn in the plot (0 = 4 x horizon)")->capture_default_str();
  cmd->add_option("--out", o->out, "Directory for forecast.csv and forecast.svg (default: the run directory)");
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->callback([o] { run_series_forecast(*o); });
}

}  // namespace xgrad::apps
