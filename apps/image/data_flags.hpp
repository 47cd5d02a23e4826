#pragma once
// The flags that say which data a command reads (--data and what the kinds of data need:
// --image-size, --skip-bad, --label-column), declared once for every command that takes
// data of its own rather than a run's (train, augment).
#include <CLI/CLI.hpp>

#include "image/datasets.hpp"

namespace xgrad::apps {

/// Adds --data, --image-size, --skip-bad and --label-column, stored into `data`.
void add_data_flags(CLI::App& cmd, DataOptions& data);

}  // namespace xgrad::apps
