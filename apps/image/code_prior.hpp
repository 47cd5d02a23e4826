#pragma once
// What the commands share about models with discrete codes and a prior trained
// after them (caps.code_prior, the VQ-VAE): the prior file of a run, encoding a
// dataset to code grids, and the code statistics eval reports.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "image/harness.hpp"
#include "xgrad/models/vq_vae.hpp"

namespace xgrad::apps {

/// RUN/prior.safetensors, written by xgrad train-prior.
std::string prior_path(const std::string& run_dir);
/// The run's code model; UsageError when its kind has no code prior.
models::VqVae& code_model(LoadedRun& run, const std::string& run_dir);
/// Attaches RUN/prior.safetensors to a code model's run when the file exists.
void attach_prior_if_trained(LoadedRun& run, const std::string& run_dir);
/// UsageError naming `xgrad train-prior RUN` when the run's model needs a prior it lacks.
void require_sampler(LoadedRun& run, const std::string& run_dir);
/// --prior-temperature of sample and eval: the temperature the run's code prior samples at.
/// UsageError unless > 0, or when it is not 1 and the run's model has no code prior.
void set_prior_temperature(LoadedRun& run, const std::string& run_dir, double temperature);
/// (N, 49) code grids of every row of `data`, in chunks.
core::IndexTensor encode_dataset(models::VqVae& model, const nn::Dataset& data);
/// perplexity, codes_in_use (of K) on `data`, and prior_bits_per_code (null without a prior).
nlohmann::json code_stats(models::VqVae& model, const nn::Dataset& data);

}  // namespace xgrad::apps
