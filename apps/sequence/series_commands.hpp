#pragma once
// The subcommands of `xgrad series`, each defined in the file named for it
// (add_series_train in series_train.cpp, ...); add_series_command adds them all.
#include <CLI/CLI.hpp>

namespace xgrad::apps {

void add_series_train(CLI::App& series);
void add_series_forecast(CLI::App& series);
void add_series_anomaly(CLI::App& series);

}  // namespace xgrad::apps
