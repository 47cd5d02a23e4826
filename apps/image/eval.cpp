// xgrad eval OUT: one JSON object of test metrics for a trained run.
#include "image/eval.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "common/cli.hpp"
#include "image/classifier.hpp"
#include "image/code_prior.hpp"
#include "image/commands.hpp"
#include "image/harness.hpp"
#include "image/latent_stats.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/nn/serialize/atomic_file.hpp"

namespace xgrad::apps {

namespace {

// How well the AAE's test codes match its prior (the models issue's criterion,
// docs/results/models-experiments.md): a fresh discriminator's held-out accuracy on codes vs prior draws
// (0.5 = indistinguishable), and for the standard Gaussian prior the codes' largest
// |mean| and the Frobenius distance of their covariance from the identity.
nlohmann::json prior_match(models::Aae& aae, const nn::Dataset& test, core::Generator& gen) {
  const core::Tensor<float> codes = aae.encode(first_rows(test, test.size()));
  nlohmann::json out = {
      {"fresh_discriminator_accuracy",
       models::fresh_discriminator_accuracy(codes, aae.sample_prior(codes.size(0), gen), gen)}};
  if (aae.options.prior == models::AaePrior::StandardNormal) {
    const models::CodeMoments m = models::code_moments(codes);
    double max_abs = 0;
    for (float v : m.mean) max_abs = std::max(max_abs, std::abs(static_cast<double>(v)));
    out["max_abs_mean"] = max_abs;
    out["cov_distance_from_identity"] = models::distance_from_identity(m.cov);
  }
  return out;
}

/// The IWAE bound averaged over the first n rows of `test`, in chunks of 100; null for
/// models without a tractable one (they throw core::Error).
nlohmann::json iwae_bound(models::GenerativeModel& model, const nn::Dataset& test, std::int64_t n, int k,
                          core::Generator& gen) {
  autograd::NoGradGuard no_grad;
  try {
    double sum = 0;
    const std::int64_t chunk = 100;
    for (std::int64_t start = 0; start < n; start += chunk) {
      std::vector<core::Index> idx;
      for (std::int64_t i = start; i < std::min<std::int64_t>(n, start + chunk); ++i) idx.push_back(i);
      nn::Batch part = test.get_batch(idx);
      core::Tensor<float> ll = model.iwae_log_likelihood(part, k, gen);
      for (float v : ll) sum += v;
    }
    return sum / static_cast<double>(std::max<core::Index>(n, 1));
  } catch (const core::Error&) {
    return nullptr;
  }
}

/// Mean squared error per pixel of the reconstructions (posterior means) of `b`.
double reconstruction_error(models::GenerativeModel& model, const nn::Batch& b) {
  autograd::NoGradGuard no_grad;
  core::Tensor<float> r = flat_images(model.reconstruct(b));
  core::Tensor<float> x = flat_images(b.x);
  double se = 0;
  for (core::Index i = 0; i < x.numel(); ++i) se += std::pow(double(r.data()[i]) - double(x.data()[i]), 2);
  return se / static_cast<double>(std::max<core::Index>(x.numel(), 1));
}

/// activity_per_dim, active_units, kl_per_dim and total_kl (null without a posterior).
void put_latent_stats(nlohmann::json& out, models::GenerativeModel& model, const nn::Dataset& test) {
  std::vector<double> activity = latent_activity(model, test);
  out["activity_per_dim"] = activity;
  out["active_units"] = active_units(activity);
  auto kl = kl_per_dim(model, test);
  if (!kl.empty()) {
    out["kl_per_dim"] = kl;
    double total = 0;
    for (double v : kl) total += v;
    out["total_kl"] = total;
  } else {
    out["kl_per_dim"] = nullptr;  // no posterior to measure (AAE)
    out["total_kl"] = nullptr;
  }
}

}  // namespace

nlohmann::json evaluate_run(LoadedRun& run, const EvalSettings& s) {
  models::GenerativeModel& model = *run.built.model;
  auto test = load_test_set(run.data.dir, s.test_limit, run.data.flatten);
  core::Generator gen(s.seed);
  models::EvalSums ev = evaluate_dataset(model, *test, 500, gen);
  const double n = static_cast<double>(std::max<core::Index>(ev.count, 1));
  nlohmann::json out = {{"model", run.model_config.kind}, {"test_images", ev.count}, {"test_recon", ev.recon / n},
                        {"test_kl", ev.kl / n}, {"recon_error", 0.0}};
  if (run.built.caps.has_elbo) out["test_neg_elbo"] = ev.neg_elbo / n;
  else out["test_neg_elbo"] = nullptr;  // the AAE has no ELBO
  const nn::Batch b = first_rows(*test, s.iwae_n);  // the first --n images
  out["iwae_log_likelihood"] = iwae_bound(model, *test, b.size(), s.iwae_k, gen);
  out["recon_error"] = reconstruction_error(model, b);
  if (run.built.caps.code_prior) out["codes"] = code_stats(code_model(run, s.run_dir), *test);
  else put_latent_stats(out, model, *test);
  if (auto* aae = dynamic_cast<models::Aae*>(&model)) out["prior_match"] = prior_match(*aae, *test, gen);
  if (run.built.caps.conditional && s.conditional_accuracy)
    out["conditional_accuracy"] = conditional_accuracy(model, s.seed, 500, run.data.dir);
  return out;
}

namespace {

/// The flags of `xgrad eval`.
struct EvalFlags {
  std::string run;
  CommonOptions common;
  EvalSettings eval;
};

void run_eval(const EvalFlags& o) {
  apply_common_options(o.common);
  require_positive("--iwae-k", o.eval.iwae_k);
  require_positive("--n", static_cast<double>(o.eval.iwae_n));
  EvalSettings settings = o.eval;
  settings.seed = o.common.seed;
  settings.run_dir = o.run;
  LoadedRun run = load_run(o.run);
  nlohmann::json j = evaluate_run(run, settings);
  if (!o.common.out.empty()) nn::write_file_atomic(o.common.out, j.dump(2) + "\n");
  std::printf("%s\n", j.dump().c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalFlags>();
  auto* cmd = app.add_subcommand("eval", "Print test metrics of a trained run as one JSON object");
  cmd->add_option("run", o->run, "Run directory (from xgrad train)")->required();
  cmd->add_option("--iwae-k", o->eval.iwae_k, "Importance samples for the IWAE bound")->capture_default_str();
  cmd->add_option("--n", o->eval.iwae_n, "Test images for the IWAE bound and reconstruction error")->capture_default_str();
  cmd->add_option("--test-limit", o->eval.test_limit, "Use only the first N test images for the ELBO (0 = all)");
  add_common_options(*cmd, o->common, "Also write the JSON to this file", false);
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace xgrad::apps
