#pragma once
// The image commands (Fashion-MNIST), as main registers them: each adds its
// subcommand to `app` and is defined in the file named for it (add_train_command
// in train.cpp, ...).
#include <CLI/CLI.hpp>

namespace xgrad::apps {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_train_prior_command(CLI::App& app);
void add_reconstruct_command(CLI::App& app);
void add_interpolate_command(CLI::App& app);
void add_traverse_command(CLI::App& app);
void add_classifier_command(CLI::App& app);  // classifier train
void add_compare_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_anomaly_command(CLI::App& app);
void add_denoise_command(CLI::App& app);
void add_embed_command(CLI::App& app);
void add_augment_command(CLI::App& app);
void add_arithmetic_command(CLI::App& app);

}  // namespace xgrad::apps
