#pragma once
// The sequence command groups, as main registers them: each adds its group and
// the group's subcommands to `app`.
#include <CLI/CLI.hpp>

namespace xgrad::apps {

/// text train | generate | score (text_commands.cpp).
void add_text_command(CLI::App& app);
/// series train | forecast | anomaly (series_commands.cpp).
void add_series_command(CLI::App& app);

}  // namespace xgrad::apps
