// xgrad series train | forecast | anomaly: a VRNN on one numeric column of a CSV.
#include "sequence/commands.hpp"
#include "sequence/series_commands.hpp"

namespace xgrad::apps {

void add_series_command(CLI::App& app) {
  auto* series = app.add_subcommand("series", "VRNN on a time series: train, forecast, anomaly scores");
  series->require_subcommand(1);
  add_series_train(*series);
  add_series_forecast(*series);
  add_series_anomaly(*series);
}

}  // namespace xgrad::apps
