// xgrad eval RUN: one JSON object of test metrics for a trained run, printed and kept
// as RUN/eval.json (for the report).
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
#include "image/sample_quality.hpp"
#include "xgrad/autograd/variable.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/models/common/restoration.hpp"
#include "xgrad/models/evaluation/disentanglement.hpp"
#include "xgrad/nn/data/corruption.hpp"
#include "xgrad/nn/data/dsprites.hpp"
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

/// activity_per_dim, active_units, kl_per_dim and total_kl (null without a posterior); for a
/// hierarchy kl_per_layer (each layer's KL summed over its dimensions).
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
    if (auto layers = kl_per_layer(model, kl); layers.size() > 1) out["kl_per_layer"] = layers;
  } else {
    out["kl_per_dim"] = nullptr;  // no posterior to measure (AAE)
    out["total_kl"] = nullptr;
  }
}

/// The disentanglement metrics of a dSprites run: the model encodes the images rendered
/// for the factor rows each metric draws.
nlohmann::json disentanglement(models::GenerativeModel& model, core::Generator& gen, const std::string& sizes_name) {
  const nn::DSprites renderer({.count = 1});
  const models::Representation represent = [&](const core::IndexTensor& factors) {
    std::vector<core::Tensor<float>> codes;
    for (core::Index start = 0; start < factors.size(0); start += 500) {
      const core::Index n = std::min<core::Index>(500, factors.size(0) - start);
      codes.push_back(model.encode(renderer.render(core::narrow(factors, 0, start, n))));
    }
    return core::concat<float>(codes, 0);
  };
  const std::vector<core::Index> sizes(nn::DSprites::factor_sizes.begin(), nn::DSprites::factor_sizes.end());
  const models::DisentanglementOptions o = disentanglement_sizes(sizes_name);
  const models::DisentanglementScores s = models::disentanglement(represent, sizes, gen, o);
  return {{"beta_vae", s.beta_vae}, {"factor_vae", s.factor_vae}, {"mig", s.mig}, {"sap", s.sap},
          {"sizes", disentanglement_sizes_json(sizes_name, o)}};
}

/// The PSNR and SSIM of the model's outputs on the test images corrupted by `c` (each image's
/// corruption seeded by `seed` and its index, so every run is scored on the same inputs)
/// against the clean images, and of the corrupted images themselves.
nlohmann::json restoration(models::GenerativeModel& model, std::shared_ptr<const nn::Dataset> test,
                           const nn::Corruption& c, std::uint64_t seed) {
  const nn::CorruptedDataset corrupted(std::move(test), c, seed);
  return restoration_json(models::restoration_psnr(model, corrupted), c);
}

}  // namespace

models::DisentanglementOptions disentanglement_sizes(const std::string& name) {
  if (name == "quick") return {};
  if (name == "study") return models::study_disentanglement_options();
  throw UsageError(fmt::format("unknown --metric-sizes '{}' (choose from quick, study)", name));
}

std::string sizes_summary(const models::DisentanglementOptions& o) {
  return fmt::format("MIG on {} rows, SAP fitted on {} and tested on {}, FactorVAE score {} + {} votes of {} rows, "
                     "beta-VAE score {} + {} points of {} pairs",
                     o.samples, o.sap_train, o.sap_test, o.votes, o.test_votes, o.vote_batch, o.points, o.test_points,
                     o.pairs);
}

nlohmann::json disentanglement_sizes_json(const std::string& name, const models::DisentanglementOptions& o) {
  return {{"protocol", name},
          {"mig", {{"rows", o.samples}, {"bins", o.bins}}},
          {"sap", {{"train", o.sap_train}, {"test", o.sap_test}}},
          {"factor_vae", {{"variance_rows", o.variance_rows}, {"train_votes", o.votes}, {"test_votes", o.test_votes},
                          {"vote_batch", o.vote_batch}, {"prune_std", o.prune_std}}},
          {"beta_vae", {{"train_points", o.points}, {"test_points", o.test_points}, {"pairs", o.pairs}}}};
}

nlohmann::json restoration_json(const models::Restoration& r, const nn::Corruption& c) {
  const auto number_or_null = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"corruption", c.str()}, {"images", r.images}, {"psnr", r.output_psnr}, {"corrupted_psnr", r.input_psnr},
          {"ssim", number_or_null(r.output_ssim)}, {"corrupted_ssim", number_or_null(r.input_ssim)}};
}

nlohmann::json evaluate_run(LoadedRun& run, const EvalSettings& s) {
  models::GenerativeModel& model = *run.built.model;
  auto test = load_test_set(run.data, s.test_limit);
  core::Generator gen(s.seed);
  models::EvalSums ev = evaluate_dataset(model, *test, 500, gen);
  const double n = static_cast<double>(std::max<core::Index>(ev.count, 1));
  nlohmann::json out = {{"model", run.model_config.kind}, {"test_images", ev.count}, {"test_recon", ev.recon / n},
                        {"recon_error", 0.0}};
  // Models without an ELBO or a KL term (AAE, autoencoders) claim neither.
  out["test_neg_elbo"] = run.built.caps.has_elbo ? nlohmann::json(ev.neg_elbo / n) : nlohmann::json(nullptr);
  out["test_kl"] = run.built.caps.has_kl ? nlohmann::json(ev.kl / n) : nlohmann::json(nullptr);
  const nn::Batch b = first_rows(*test, s.iwae_n);  // the first --n images
  out["iwae_log_likelihood"] = iwae_bound(model, *test, b.size(), s.iwae_k, gen);
  out["recon_error"] = reconstruction_error(model, b);
  if (run.built.caps.code_prior) {
    out["codes"] = code_stats(code_model(run, s.run_dir), *test);
  } else {
    put_latent_stats(out, model, *test);
    const auto tc = models::aggregate_total_correlation(model, *test, s.tc_n, gen);
    out["total_correlation"] = tc ? nlohmann::json(*tc) : nlohmann::json(nullptr);
  }
  if (is_dsprites(run.data.dir)) out["disentanglement"] = disentanglement(model, gen, s.metric_sizes);
  if (auto* aae = dynamic_cast<models::Aae*>(&model)) out["prior_match"] = prior_match(*aae, *test, gen);
  // The built-in classifier judges Fashion-MNIST's ten classes; other data has no judge.
  if (run.built.caps.conditional && s.conditional_accuracy && is_mnist_dir(run.data.dir))
    out["conditional_accuracy"] = conditional_accuracy(model, s.seed, 500, run.data.dir);
  if (s.corruption) out["restoration"] = restoration(model, test, *s.corruption, s.seed);
  if (s.samples > 0) {
    auto classifier = load_or_train_classifier(run.data.dir);
    out["samples"] = to_json(sample_quality(run, *classifier, s.samples, s.seed, s.confident_at));
    if (run.built.caps.code_prior) out["samples"]["prior_temperature"] = s.prior_temperature;
  }
  return out;
}

namespace {

/// The flags of `xgrad eval`.
struct EvalFlags {
  std::string run;
  std::string corruption;
  CommonOptions common;
  EvalSettings eval;
};

void run_eval(const EvalFlags& o) {
  apply_common_options(o.common);
  require_positive("--iwae-k", o.eval.iwae_k);
  require_positive("--n", static_cast<double>(o.eval.iwae_n));
  if (o.eval.samples < 0) throw UsageError(fmt::format("--samples must be >= 0 (got {})", o.eval.samples));
  if (!(o.eval.confident_at > 0 && o.eval.confident_at <= 1))
    throw UsageError(fmt::format("--confident-at must be in (0, 1] (got {})", o.eval.confident_at));
  disentanglement_sizes(o.eval.metric_sizes);  // a bad name fails before the run loads
  EvalSettings settings = o.eval;
  settings.seed = o.common.seed;
  if (!o.corruption.empty()) settings.corruption = nn::Corruption::parse(o.corruption);
  settings.run_dir = o.run;
  LoadedRun run = load_run(o.run);
  if (settings.samples > 0) require_scorable_samples(run, o.run);
  set_prior_temperature(run, o.run, settings.prior_temperature);
  nlohmann::json j = evaluate_run(run, settings);
  // The run keeps its evaluation (RUN/eval.json, which the report shows) unless --out says where.
  nn::write_file_atomic(o.common.out.empty() ? o.run + "/eval.json" : o.common.out, j.dump(2) + "\n");
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
  cmd->add_option("--tc-n", o->eval.tc_n, "Test codes for the total correlation")->capture_default_str();
  cmd->add_option("--samples", o->eval.samples,
                  "Also draw this many samples (at most the test set's size; seeded by --seed) and report the "
                  "built-in classifier's Fréchet distance to as many test images and its confident share (and the "
                  "confident share of those test images and of the model's reconstructions of them, for reference)")
      ->capture_default_str();
  cmd->add_option("--prior-temperature", o->eval.prior_temperature,
                  "vq-vae: the temperature the --samples are drawn at from the code prior (1: the prior itself)")
      ->capture_default_str();
  cmd->add_option("--confident-at", o->eval.confident_at,
                  "The largest class probability that makes a sample confident (for --samples)")
      ->capture_default_str();
  cmd->add_option("--metric-sizes", o->eval.metric_sizes,
                  "dsprites: the disentanglement metrics' sample sizes. quick: " + sizes_summary(disentanglement_sizes("quick")) +
                      " (seconds). study: disentanglement_lib's unsupervised study (Locatello et al. 2019): " +
                      sizes_summary(disentanglement_sizes("study")) + " (minutes). eval.json records the sizes")
      ->capture_default_str();
  cmd->add_option("--corruption", o->corruption,
                  "Also report the restoration PSNR of the model's outputs on test images corrupted by "
                  "gaussian:SIGMA|mask:P|salt:P|block:SIZE (seeded by --seed), and the corrupted images' own");
  add_common_options(*cmd, o->common, "Write the JSON to this file instead of RUN/eval.json", false);
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace xgrad::apps
