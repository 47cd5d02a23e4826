// xgrad series train: a VRNN on one numeric column of a CSV
// (default: the weekly co2 series of Debian's python3-statsmodels). The series is
// normalised with the training part's mean and standard deviation; both, and the
// series itself, are stored in config.json so forecasts and scores come back in
// the data's units.
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/run_state.hpp"
#include "sequence/sequence_training.hpp"
#include "sequence/series_commands.hpp"
#include "sequence/series_data.hpp"
#include "sequence/series_time.hpp"

namespace xgrad::apps {

using nlohmann::json;

namespace {

/// The flags of `xgrad series train`.
struct SeriesTrainFlags {
  CommonOptions common;
  SequenceTrainSettings train;
  std::string csv, column, missing = "interpolate";
  core::Index window = 64, holdout = 0;
  bool difference = false, no_difference = false;
};

/// The column a run trains on: --csv and --column, or the co2 series.
struct SeriesColumn {
  std::string csv, column;
  nn::Series series;
};

SeriesColumn training_column(const SeriesTrainFlags& o) {
  SeriesColumn c{o.csv, o.column, {}};
  if (c.csv.empty()) {
    c.csv = kCo2Csv;
    if (c.column.empty()) c.column = "co2";
  }
  if (c.column.empty()) throw UsageError("--column is required with --csv (the header name of the numeric column)");
  c.series = read_series(c.csv, c.column, o.missing);
  return c;
}

/// What the model fits: the values before the held-out ones, or their changes, normalised.
struct ModelledSeries {
  std::vector<double> train;  ///< the values before the held-out ones
  bool difference = false;
  std::vector<double> modelled;  ///< train, or its changes
  nn::Normalization norm;
};

ModelledSeries modelled_series(const SeriesTrainFlags& o, const SeriesColumn& c) {
  const std::vector<double>& values = c.series.values;
  const std::string what = fmt::format("column {} of {}", c.column, c.csv);
  if (o.holdout >= static_cast<core::Index>(values.size()))
    throw UsageError(fmt::format("--holdout {} leaves nothing to train on: {} has {} values", o.holdout, what, values.size()));
  ModelledSeries m;
  m.train.assign(values.begin(), values.end() - o.holdout);
  // A trending series (co2) leaves its training range within the forecast horizon, and a
  // model of normalised levels cannot go there; its changes stay in range (ARIMA's d = 1).
  const double trend = linear_trend_share(m.train);
  m.difference = o.difference || (!o.no_difference && trend >= 0.5);
  if (m.difference && !o.difference) {
    fmt::print(stderr, "series: modelling the changes between values (a linear trend explains {:.0f}% of the "
               "variance; --no-difference models the values)\n", 100 * trend);
  }
  m.modelled = m.difference ? differences(m.train, c.series.lines) : m.train;
  require_length(m.modelled.size(), o.window,
                 (o.holdout ? what + " without the held-out values" : what) + (m.difference ? " differenced" : ""));
  // No value of the series it was fitted to lies more than sqrt(n) deviations from the mean:
  // the windows always fit the float model; new data (series anomaly) is checked.
  m.norm = nn::Normalization::fit(m.modelled);
  return m;
}

/// The windows of what the model fits, as training and validation sets.
SequenceData split_windows(const ModelledSeries& m, core::Index window) {
  // Every tenth window validates (a chronological split would leave a trending
  // series' validation outside the range it trained on).
  auto all = windows_of(m.modelled, window, m.norm);
  std::vector<core::Index> fit, val;
  for (core::Index i = 0; i < all->size(); ++i) (i % 10 == 9 ? val : fit).push_back(i);
  if (val.empty()) val.push_back(all->size() - 1);  // too short to spare one: validate on the last
  auto fit_set = std::make_shared<nn::TensorDataset>(all->get_batch(fit).x);
  auto val_set = std::make_shared<nn::TensorDataset>(all->get_batch(val).x);
  return {fit_set, val_set, window};
}

void run_series_train(const SeriesTrainFlags& o) {
  SequenceTrainSettings s = start_sequence_run(o.common, o.train, "series train", "out/series", 1000);
  require_positive("--window", static_cast<double>(o.window));
  if (o.holdout < 0) throw UsageError(fmt::format("--holdout must be >= 0 (got {})", o.holdout));
  s.model.context = o.window;  // the Transformers' positions: the training length
  check_sequence_config(s.model);
  const SeriesColumn c = training_column(o);
  const ModelledSeries m = modelled_series(o, c);
  const SequenceData data = split_windows(m, o.window);
  s.data_info = {{"csv", c.csv},
                 {"column", c.column},
                 {"missing", o.missing},
                 {"window", o.window},
                 {"holdout", o.holdout},
                 {"difference", m.difference},
                 {"train_length", m.train.size()},
                 {"normalization", {{"mean", m.norm.mean}, {"scale", m.norm.scale}}},
                 {"values", c.series.values},
                 // The rows' dates (decimal years), for plots; null when the CSV has no date column.
                 {"time", read_time_axis(c.csv, c.series.lines).to_json()}};
  install_stop_handlers();
  const SequenceTrainResult r = train_sequence_run(s, data);
  if (is_leader())  // in a data-parallel run only rank 0 holds the validation figures
    fmt::print(stderr, "trained {} for {} steps ({:.0f}s): validation {} nats per step; wrote {}\n",
               r.model.model->describe(), r.steps, r.seconds, last_metric_text(r.metrics, "val_nats_per_step"), s.out);
}

}  // namespace

void add_series_train(CLI::App& series) {
  auto o = std::make_shared<SeriesTrainFlags>();
  o->train.model.text = false;
  o->train.model.hidden = 64;
  auto* cmd = series.add_subcommand("train", "Train a VRNN on a numeric CSV column; writes metrics, checkpoints and the model to --out");
  cmd->add_option("--csv", o->csv, fmt::format("CSV file (default: {})", kCo2Csv));
  cmd->add_option("--column", o->column, "Column name (default co2 for the default file; required with --csv)");
  cmd->add_option("--missing", o->missing, "Empty or NA cells: interpolate, drop or error")->capture_default_str();
  cmd->add_option("--window", o->window, "Steps per training window")->capture_default_str();
  cmd->add_option("--holdout", o->holdout, "Keep the last N values out of training (forecast reports its coverage of them)")->capture_default_str();
  auto* diff = cmd->add_flag("--difference", o->difference,
                             "Model the changes between consecutive values (forecasts add them back up); "
                             "the default when a linear trend explains half of the variance or more");
  cmd->add_flag("--no-difference", o->no_difference, "Model the values themselves, even when they trend")->excludes(diff);
  cmd->add_option("--model", o->train.model.kind,
                  "vrnn, transformer-vae, or their baselines without latent variables: rnn, transformer")->capture_default_str();
  cmd->add_option("--hidden", o->train.model.hidden, "Recurrent state and hidden layer size")->capture_default_str();
  cmd->add_option("--latent", o->train.model.latent, "Latent dimensions per step")->capture_default_str();
  cmd->add_option("--rnn", o->train.model.cell, "Recurrent cell: gru or lstm")->capture_default_str();
  cmd->add_option("--likelihood", o->train.model.likelihood, "Per-step likelihood: gauss or gmm")->capture_default_str();
  cmd->add_option("--components", o->train.model.components, "gmm: mixture components")->capture_default_str();
  cmd->add_option("--lr", o->train.model.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--clip", o->train.model.clip, "Global gradient-norm clip (0 = none)")->capture_default_str();
  cmd->add_option("--kl-schedule", o->train.model.kl_schedule, "KL schedule, e.g. linear:500 or constant:1,free-bits:0.05");
  cmd->add_option("--lr-schedule", o->train.model.lr_schedule, "Learning-rate schedule advanced each step, e.g. cosine:5000 or step:N:GAMMA ('' = constant)");
  cmd->add_option("--steps", o->train.steps, "Training steps (default 1000 unless --epochs or --minutes)");
  cmd->add_option("--epochs", o->train.epochs, "Passes over the training windows");
  cmd->add_option("--minutes", o->train.minutes, "Stop after this much training time (wall clock)");
  cmd->add_option("--batch", o->train.batch, "Windows per batch")->capture_default_str();
  cmd->add_option("--eval-every", o->train.eval_every, "Validate and checkpoint every N steps")->capture_default_str();
  cmd->add_flag("--resume", o->train.resume, "Continue from OUT/checkpoint.safetensors");
  add_transformer_options(*cmd, o->train.model);
  add_common_options(*cmd, o->common, "Run directory (default out/series)", false);
  cmd->callback([o] { run_series_train(*o); });
}

}  // namespace xgrad::apps
