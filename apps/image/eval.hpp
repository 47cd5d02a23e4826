#pragma once
// The test metrics of a trained image run, as `xgrad eval` prints them and
// `xgrad compare` tabulates them.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "image/harness.hpp"
#include "xgrad/models/evaluation/disentanglement.hpp"
#include "xgrad/models/common/restoration.hpp"
#include "xgrad/nn/data/corruption.hpp"

namespace xgrad::apps {

struct EvalSettings {
  int iwae_k = 50;              ///< importance samples
  std::int64_t iwae_n = 500;    ///< test images for the IWAE bound and the reconstruction error
  std::int64_t test_limit = 0;  ///< test images for the ELBO (0 = all)
  std::uint64_t seed = 1;
  bool conditional_accuracy = true;
  std::int64_t tc_n = 2000;  ///< test codes for the total correlation
  std::optional<nn::Corruption> corruption{};  ///< report the restoration PSNR on inputs corrupted so
  std::string run_dir = "the run";  ///< names the run in messages
  std::int64_t samples = 0;         ///< samples scored by the built-in classifier (0: none)
  double confident_at = 0.9;        ///< the class probability a sample must reach to count as confident
  double prior_temperature = 1.0;   ///< a code prior's sampling temperature for `samples`
  std::string metric_sizes = "quick";  ///< the disentanglement sample sizes (disentanglement_sizes)
};

/// The disentanglement sample sizes `--metric-sizes` names: "quick" (the defaults of
/// DisentanglementOptions) or "study" (disentanglement_lib's); UsageError for another name.
models::DisentanglementOptions disentanglement_sizes(const std::string& name);
/// "MIG on 5000 rows, SAP fitted on 2500 and tested on 2500, ...": --metric-sizes' help, from the sizes.
std::string sizes_summary(const models::DisentanglementOptions& o);
/// {protocol, mig, sap, factor_vae, beta_vae}: the sizes eval.json records beside the scores.
nlohmann::json disentanglement_sizes_json(const std::string& name, const models::DisentanglementOptions& o);
/// test_neg_elbo, iwae_log_likelihood, kl_per_dim, active_units, recon_error,
/// total_correlation (of the first tc_n test codes; null without a Gaussian q(z | x)),
/// conditional_accuracy for conditional models, restoration with a corruption and, for runs
/// on dsprites, disentanglement (beta_vae, factor_vae, mig, sap:
/// models/evaluation/disentanglement.hpp, and the sizes that scored them), and with `samples` their quality ("samples":
/// sample_quality.hpp) as one JSON object.
nlohmann::json evaluate_run(LoadedRun& run, const EvalSettings& settings);

/// {corruption, images, psnr, corrupted_psnr, ssim, corrupted_ssim} (SSIM null for rows
/// of an unknown image shape), as eval's "restoration" and `xgrad denoise` report it.
nlohmann::json restoration_json(const models::Restoration& r, const nn::Corruption& c);

}  // namespace xgrad::apps
