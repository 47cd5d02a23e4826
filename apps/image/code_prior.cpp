#include "image/code_prior.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "common/cli.hpp"
#include "common/run_state.hpp"

namespace xgrad::apps {

std::string prior_path(const std::string& run_dir) { return run_dir + "/prior.safetensors"; }

models::VqVae& code_model(LoadedRun& run, const std::string& run_dir) {
  auto* vq = run.built.caps.code_prior ? dynamic_cast<models::VqVae*>(run.built.model.get()) : nullptr;
  if (!vq)
    throw UsageError(fmt::format("{} is a run of model '{}', which has no discrete codes to model (train --model vq-vae)",
                                 run_dir, run.model_config.kind));
  return *vq;
}

void attach_prior_if_trained(LoadedRun& run, const std::string& run_dir) {
  if (!run.built.caps.code_prior || !std::filesystem::exists(prior_path(run_dir))) return;
  models::VqVae& model = code_model(run, run_dir);
  core::Generator gen(0);
  std::shared_ptr<models::CodePrior> prior = model.make_prior(gen);
  load_module_file(prior_path(run_dir), *prior, prior->kind());
  prior->eval();
  model.set_prior(std::move(prior));
}

void require_sampler(LoadedRun& run, const std::string& run_dir) {
  if (run.built.caps.code_prior && !code_model(run, run_dir).prior())
    throw UsageError(fmt::format("{} has no prior over its codes yet: run `xgrad train-prior {}` first", run_dir, run_dir));
}

void set_prior_temperature(LoadedRun& run, const std::string& run_dir, double temperature) {
  if (!(temperature > 0) || !std::isfinite(temperature))
    throw UsageError(fmt::format("--prior-temperature must be > 0 (got {})", temperature));
  if (temperature != 1.0 && !run.built.caps.code_prior)
    throw UsageError(fmt::format("--prior-temperature: {} is a run of model '{}', which samples without a code prior",
                                 run_dir, run.model_config.kind));
  if (run.built.caps.code_prior) code_model(run, run_dir).set_prior_temperature(temperature);
}

core::IndexTensor encode_dataset(models::VqVae& model, const nn::Dataset& data) {
  const core::Index n = data.size(), grid = models::VqVae::kGrid * models::VqVae::kGrid, chunk = 500;
  core::IndexTensor all({n, grid});
  for (core::Index start = 0; start < n; start += chunk) {
    std::vector<core::Index> idx;
    for (core::Index i = start; i < std::min(n, start + chunk); ++i) idx.push_back(i);
    const core::IndexTensor codes = model.encode_codes(data.get_batch(idx));
    std::copy(codes.begin(), codes.end(), all.data() + start * grid);
  }
  return all;
}

nlohmann::json code_stats(models::VqVae& model, const nn::Dataset& data) {
  const core::IndexTensor codes = encode_dataset(model, data);
  const std::set<core::Index> used(codes.begin(), codes.end());
  nlohmann::json out = {{"perplexity", nn::perplexity(codes, model.options.quantizer.codes)},
                        {"codes_in_use", used.size()},
                        {"codebook_size", model.options.quantizer.codes},
                        {"prior_bits_per_code", nullptr}};
  if (model.prior()) out["prior_bits_per_code"] = model.prior()->bits_per_code(codes);
  return out;
}

}  // namespace xgrad::apps
