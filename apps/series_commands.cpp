// xgrad series train | forecast | anomaly: a VRNN on one numeric column of a CSV
// (default: the weekly co2 series of Debian's python3-statsmodels). The series is
// normalised with the training part's mean and standard deviation; both, and the
// series itself, are stored in config.json so forecasts and scores come back in
// the data's units.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "cli.hpp"
#include "csv_writer.hpp"
#include "sequence_training.hpp"
#include "series_plot.hpp"
#include "xgrad/nn/data/csv.hpp"
#include "xgrad/nn/data/series.hpp"

namespace xgrad::apps {

using nlohmann::json;

namespace {

constexpr const char* kCo2Csv = "/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv";

nn::Missing missing_of(const std::string& s) {
  if (s == "interpolate") return nn::Missing::Interpolate;
  if (s == "drop") return nn::Missing::Drop;
  if (s == "error") return nn::Missing::Error;
  throw UsageError(fmt::format("unknown --missing '{}' (choose from interpolate, drop, error)", s));
}

std::vector<double> read_series(const std::string& csv, const std::string& column, const std::string& missing) {
  return nn::read_csv_series(csv, column, {.missing = missing_of(missing)}).values;
}

/// Windows of `length` over `normalised` values as a dataset x (N, length, 1), stride 1.
std::shared_ptr<nn::TensorDataset> windows_of(const std::vector<double>& values, core::Index length,
                                              const nn::Normalization& norm) {
  return nn::make_windows(values, {.length = length, .stride = 1, .normalization = norm}).data;
}

void require_length(std::size_t n, core::Index window, const std::string& what) {
  if (static_cast<core::Index>(n) < window)
    throw UsageError(fmt::format("{} has {} values, fewer than the window of {} (use a longer series or a smaller --window)",
                                 what, n, window));
}

/// x[t] - x[t-1]: what a model with --difference sees (a trend becomes a level).
std::vector<double> differences(const std::vector<double>& v) {
  std::vector<double> d;
  for (std::size_t i = 1; i < v.size(); ++i) d.push_back(v[i] - v[i - 1]);
  return d;
}

/// q-quantile of sorted values, interpolating linearly between order statistics.
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  const double f = pos - static_cast<double>(i);
  return i + 1 < sorted.size() ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

nn::Normalization normalization_of(const json& data) {
  return {data.at("normalization").at("mean").get<double>(), data.at("normalization").at("scale").get<double>()};
}

std::string output_dir(const std::string& out, const std::string& run) {
  const std::string dir = out.empty() ? run : out;
  ensure_writable_dir(dir);
  return dir;
}

void add_train(CLI::App& series) {
  struct Opts {
    CommonOptions common;
    SequenceTrainSettings train;
    std::string csv, column, missing = "interpolate";
    core::Index window = 64, holdout = 0;
    bool difference = false;
  };
  auto o = std::make_shared<Opts>();
  o->train.model.text = false;
  o->train.model.hidden = 64;
  auto* cmd = series.add_subcommand("train", "Train a VRNN on a numeric CSV column; writes metrics, checkpoints and the model to --out");
  cmd->add_option("--csv", o->csv, fmt::format("CSV file (default: {})", kCo2Csv));
  cmd->add_option("--column", o->column, "Column name (default co2 for the default file; required with --csv)");
  cmd->add_option("--missing", o->missing, "Empty or NA cells: interpolate, drop or error")->capture_default_str();
  cmd->add_option("--window", o->window, "Steps per training window")->capture_default_str();
  cmd->add_option("--holdout", o->holdout, "Keep the last N values out of training (forecast reports its coverage of them)")->capture_default_str();
  cmd->add_flag("--difference", o->difference,
                "Model the changes between consecutive values (for trending series; forecasts add them back up)");
  cmd->add_option("--model", o->train.model.kind, "vrnn, or rnn: the same network without latent variables")->capture_default_str();
  cmd->add_option("--hidden", o->train.model.hidden, "Recurrent state and hidden layer size")->capture_default_str();
  cmd->add_option("--latent", o->train.model.latent, "Latent dimensions per step")->capture_default_str();
  cmd->add_option("--rnn", o->train.model.cell, "Recurrent cell: gru or lstm")->capture_default_str();
  cmd->add_option("--likelihood", o->train.model.likelihood, "Per-step likelihood: gauss or gmm")->capture_default_str();
  cmd->add_option("--components", o->train.model.components, "gmm: mixture components")->capture_default_str();
  cmd->add_option("--lr", o->train.model.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--clip", o->train.model.clip, "Global gradient-norm clip (0 = none)")->capture_default_str();
  cmd->add_option("--kl-schedule", o->train.model.kl_schedule, "KL schedule, e.g. linear:500 or constant:1,free-bits:0.05");
  cmd->add_option("--steps", o->train.steps, "Training steps (default 1000 unless --epochs or --minutes)");
  cmd->add_option("--epochs", o->train.epochs, "Passes over the training windows");
  cmd->add_option("--minutes", o->train.minutes, "Stop after this much training time (wall clock)");
  cmd->add_option("--batch", o->train.batch, "Windows per batch")->capture_default_str();
  cmd->add_option("--eval-every", o->train.eval_every, "Validate and checkpoint every N steps")->capture_default_str();
  cmd->add_flag("--resume", o->train.resume, "Continue from OUT/checkpoint.safetensors");
  add_common_options(*cmd, o->common, "Run directory (default out/series)", false);
  cmd->callback([o] {
    apply_common_options(o->common);
    SequenceTrainSettings s = o->train;
    s.seed = o->common.seed;
    s.out = o->common.out.empty() ? "out/series" : o->common.out;
    s.command = "series train";
    if (s.steps == 0 && s.epochs == 0 && s.minutes == 0) s.steps = 1000;
    require_positive("--window", static_cast<double>(o->window));
    if (o->holdout < 0) throw UsageError(fmt::format("--holdout must be >= 0 (got {})", o->holdout));
    check_sequence_config(s.model);
    std::string csv = o->csv, column = o->column;
    if (csv.empty()) {
      csv = kCo2Csv;
      if (column.empty()) column = "co2";
    }
    if (column.empty()) throw UsageError("--column is required with --csv (the header name of the numeric column)");
    const std::vector<double> values = read_series(csv, column, o->missing);
    const std::string what = fmt::format("column {} of {}", column, csv);
    if (o->holdout >= static_cast<core::Index>(values.size()))
      throw UsageError(fmt::format("--holdout {} leaves nothing to train on: {} has {} values", o->holdout, what, values.size()));
    const std::vector<double> train(values.begin(), values.end() - o->holdout);
    const std::vector<double> modelled = o->difference ? differences(train) : train;
    require_length(modelled.size(), o->window,
                   (o->holdout ? what + " without the held-out values" : what) + (o->difference ? " differenced" : ""));
    const nn::Normalization norm = nn::Normalization::fit(modelled);
    // Every tenth window validates (a chronological split would leave a trending
    // series' validation outside the range it trained on).
    auto all = windows_of(modelled, o->window, norm);
    std::vector<core::Index> fit, val;
    for (core::Index i = 0; i < all->size(); ++i) (i % 10 == 9 ? val : fit).push_back(i);
    if (val.empty()) val.push_back(all->size() - 1);  // too short to spare one: validate on the last
    auto fit_set = std::make_shared<nn::TensorDataset>(all->get_batch(fit).x);
    auto val_set = std::make_shared<nn::TensorDataset>(all->get_batch(val).x);
    s.data_info = {{"csv", csv},
                   {"column", column},
                   {"missing", o->missing},
                   {"window", o->window},
                   {"holdout", o->holdout},
                   {"difference", o->difference},
                   {"train_length", train.size()},
                   {"normalization", {{"mean", norm.mean}, {"scale", norm.scale}}},
                   {"values", values}};
    install_stop_handlers();
    const SequenceTrainResult r = train_sequence_run(s, {fit_set, val_set, o->window});
    fmt::print(stderr, "trained {} for {} steps ({:.0f}s): validation {:.3f} nats per step; wrote {}\n",
               r.model->describe(), r.steps, r.seconds, r.metrics.back()["val_nats_per_step"].get<double>(), s.out);
  });
}

void add_forecast(CLI::App& series) {
  struct Opts {
    std::string dir, out;
    core::Index horizon = 52, samples = 200, context = 0, show = 0;
    std::uint64_t seed = 1;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = series.add_subcommand("forecast", "Sample futures from the end of the training series; write forecast.csv and forecast.svg");
  cmd->add_option("dir", o->dir, "Run directory of xgrad series train")->required();
  cmd->add_option("--horizon", o->horizon, "Steps to forecast")->capture_default_str();
  cmd->add_option("--samples", o->samples, "Sampled futures")->capture_default_str();
  cmd->add_option("--context", o->context, "History steps the model reads first (0 = the training window)")->capture_default_str();
  cmd->add_option("--show", o->show, "History steps drawn in the plot (0 = 4 x horizon)")->capture_default_str();
  cmd->add_option("--out", o->out, "Directory for forecast.csv and forecast.svg (default: the run directory)");
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->callback([o] {
    apply_common_options({.seed = o->seed, .threads = o->threads});
    require_positive("--horizon", static_cast<double>(o->horizon));
    require_positive("--samples", static_cast<double>(o->samples));
    if (o->context < 0) throw UsageError(fmt::format("--context must be >= 0 (got {})", o->context));
    LoadedSequenceRun run = load_sequence_run(o->dir, "series train");
    models::Vrnn* vrnn = run.model->vrnn();
    if (!vrnn) throw UsageError(fmt::format("{} holds an rnn baseline; forecast needs a vrnn run", o->dir));
    const json& data = run.config.at("data");
    const auto values = data.at("values").get<std::vector<double>>();
    const auto n_train = data.at("train_length").get<core::Index>();
    const nn::Normalization norm = normalization_of(data);
    const bool diff = data.value("difference", false);
    // What the model reads: the values, or their changes (one fewer).
    const std::vector<double> seen =
        diff ? differences({values.begin(), values.begin() + n_train}) : std::vector<double>(values.begin(), values.begin() + n_train);
    const auto n_seen = static_cast<core::Index>(seen.size());
    const core::Index context = std::min(o->context > 0 ? o->context : data.at("window").get<core::Index>(), n_seen);
    const std::string dir = output_dir(o->out, o->dir);

    // The same context for every sample; the futures differ through z and x draws.
    core::Tensor<float> history({o->samples, context, 1});
    for (core::Index b = 0; b < o->samples; ++b)
      for (core::Index t = 0; t < context; ++t)
        history.data()[b * context + t] = static_cast<float>(norm.apply(seen[static_cast<std::size_t>(n_seen - context + t)]));
    core::Generator gen(o->seed);
    const core::Tensor<float> futures = vrnn->sample_future(history, o->horizon, gen);

    CsvWriter csv({"t", "median", "p05", "p95", "actual"});
    SeriesPlot plot{.title = fmt::format("{}: forecast of {} steps, median and 5-95% band of {} samples",
                                         data.value("column", std::string("series")), o->horizon, o->samples),
                    .y_label = data.value("column", std::string("value"))};
    core::Index covered = 0, compared = 0;
    std::vector<double> draws(static_cast<std::size_t>(o->samples));
    // With --difference each future is the last value plus its running sum of changes.
    std::vector<double> level(static_cast<std::size_t>(o->samples), values[static_cast<std::size_t>(n_train - 1)]);
    for (core::Index h = 0; h < o->horizon; ++h) {
      for (core::Index b = 0; b < o->samples; ++b) {
        const double v = norm.invert(futures.data()[b * o->horizon + h]);
        auto& lv = level[static_cast<std::size_t>(b)];
        lv += v;
        draws[static_cast<std::size_t>(b)] = diff ? lv : v;
      }
      std::sort(draws.begin(), draws.end());
      const double t = static_cast<double>(n_train + h), lo = quantile(draws, 0.05), hi = quantile(draws, 0.95);
      const double med = quantile(draws, 0.5);
      double actual = std::nan("");
      if (n_train + h < static_cast<core::Index>(values.size())) {
        actual = values[static_cast<std::size_t>(n_train + h)];
        ++compared;
        if (lo <= actual && actual <= hi) ++covered;
        plot.actual_t.push_back(t), plot.actual.push_back(actual);
      }
      csv.row({t, med, lo, hi, actual});
      plot.band_t.push_back(t), plot.low.push_back(lo), plot.median.push_back(med), plot.high.push_back(hi);
    }
    const core::Index show = std::min(o->show > 0 ? o->show : 4 * o->horizon, n_train);
    for (core::Index t = n_train - show; t < n_train; ++t)
      plot.t.push_back(static_cast<double>(t)), plot.values.push_back(values[static_cast<std::size_t>(t)]);
    csv.save(dir + "/forecast.csv");
    write_series_svg(dir + "/forecast.svg", plot);
    fmt::print("forecast of {} steps from t={} ({} samples, context {}): wrote {}/forecast.csv and {}/forecast.svg\n",
               o->horizon, n_train, o->samples, context, dir, dir);
    if (compared > 0)
      fmt::print("coverage {:.4f}: the 5-95% band holds {} of {} held-out values\n",
                 static_cast<double>(covered) / static_cast<double>(compared), covered, compared);
  });
}

void add_anomaly(CLI::App& series) {
  struct Opts {
    std::string dir, out, csv, column, missing;
    int k = 8;
    core::Index top = 10;
    std::uint64_t seed = 1;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
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
  cmd->callback([o] {
    apply_common_options({.seed = o->seed, .threads = o->threads});
    require_positive("--k", o->k);
    require_positive("--top", static_cast<double>(o->top));
    LoadedSequenceRun run = load_sequence_run(o->dir, "series train");
    models::Vrnn* vrnn = run.model->vrnn();
    if (!vrnn) throw UsageError(fmt::format("{} holds an rnn baseline; anomaly scores need a vrnn run", o->dir));
    const json& data = run.config.at("data");
    const std::string csv = o->csv.empty() ? data.at("csv").get<std::string>() : o->csv;
    std::string column = o->column;
    if (column.empty()) {
      if (!o->csv.empty()) throw UsageError("--column is required with --csv (the header name of the numeric column)");
      column = data.at("column").get<std::string>();
    }
    const std::vector<double> values =
        read_series(csv, column, o->missing.empty() ? data.value("missing", std::string("interpolate")) : o->missing);
    const auto window = data.at("window").get<core::Index>();
    const bool diff = data.value("difference", false);
    const std::vector<double> seen = diff ? differences(values) : values;  // seen[i] is values[i + shift]
    const std::size_t shift = diff ? 1 : 0;
    require_length(seen.size(), window, fmt::format("column {} of {}{}", column, csv, diff ? " differenced" : ""));
    const std::string dir = output_dir(o->out, o->dir);

    // Step t is scored in the window that ends at it, so it sees window - 1 steps of
    // context as in training; the first window's steps are scored where they are.
    auto windows = windows_of(seen, window, normalization_of(data));
    const core::Index n = static_cast<core::Index>(values.size()), nw = windows->size();
    // A differenced model has no score for the first value (it has no change).
    std::vector<double> score(values.size(), -std::numeric_limits<double>::infinity());
    core::Generator gen(o->seed);
    const core::Index batch = 64;
    for (core::Index first = 0; first < nw; first += batch) {
      std::vector<core::Index> idx;
      for (core::Index w = first; w < std::min(nw, first + batch); ++w) idx.push_back(w);
      const core::Tensor<float> s = vrnn->step_scores(windows->get_batch(idx), o->k, gen);
      for (std::size_t r = 0; r < idx.size(); ++r) {
        const core::Index w = idx[r];
        if (w == 0)
          for (core::Index t = 0; t < window; ++t) score[static_cast<std::size_t>(t) + shift] = s.data()[t];
        else
          score[static_cast<std::size_t>(w + window - 1) + shift] = s.data()[static_cast<core::Index>(r) * window + window - 1];
      }
    }
    CsvWriter out({"t", "value", "score"});
    SeriesPlot plot{.title = fmt::format("{}: negative per-step ELBO, top {} marked", column, o->top), .y_label = column};
    for (core::Index t = 0; t < n; ++t) {
      const double sc = score[static_cast<std::size_t>(t)];
      out.row({static_cast<double>(t), values[static_cast<std::size_t>(t)], std::isfinite(sc) ? sc : std::nan("")});
      plot.t.push_back(static_cast<double>(t)), plot.values.push_back(values[static_cast<std::size_t>(t)]);
    }
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto top = static_cast<std::size_t>(std::min(o->top, n));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                      [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
    plot.marks.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top));
    out.save(dir + "/anomaly.csv");
    write_series_svg(dir + "/anomaly.svg", plot);
    fmt::print("scored {} steps of column {} of {}: wrote {}/anomaly.csv and {}/anomaly.svg\ntop {}:", n, column, csv, dir,
               dir, top);
    for (std::size_t i = 0; i < top; ++i) fmt::print(" {}", order[i]);
    fmt::print("\n");
  });
}

}  // namespace

void add_series_command(CLI::App& app) {
  auto* series = app.add_subcommand("series", "VRNN on a time series: train, forecast, anomaly scores");
  series->require_subcommand(1);
  add_train(*series);
  add_forecast(*series);
  add_anomaly(*series);
}

}  // namespace xgrad::apps
