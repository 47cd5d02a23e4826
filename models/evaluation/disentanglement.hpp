#pragma once
// Disentanglement metrics: how well a representation's dimensions line up with the
// ground-truth factors of a generative process (dSprites). Each takes the factor sizes
// and a Representation — codes for factor rows, e.g. a model encoding the images
// rendered for them — and draws the factor rows it needs itself:
//   beta_vae_score    Higgins et al. 2017: a linear classifier predicts which factor was
//                     held fixed from the mean |z1 - z2| over pairs sharing it (chance 1/K);
//   factor_vae_score  Kim & Mnih 2018: a majority-vote classifier predicts the fixed factor
//                     from the dimension of least normalised variance (chance ~1/K);
//   mig               Chen et al. 2018: the mutual-information gap between the two code
//                     dimensions most informative about a factor, over the factor's
//                     entropy, averaged over factors (codes binned; 0 when independent);
//   sap               Kumar et al. 2018: the gap between the two dimensions that best
//                     predict each factor on their own (accuracy of a 1-D nearest-class-mean
//                     classifier on held-out rows), averaged over factors.
// Pure functions of codes: nothing here knows a model or a file.
#include <functional>
#include <vector>

#include "xgrad/core/random.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::models {

using core::Index;

/// Codes (n, D) of factor rows (n, K), each row's code a function of that row alone: the
/// scores draw all the rows they need first and represent them in one call.
using Representation = std::function<core::Tensor<float>(const core::IndexTensor& factors)>;

/// The sample sizes of the four scores; the defaults are xgrad's quick protocol (seconds),
/// study_disentanglement_options() the sizes of the study xgrad compares against.
struct DisentanglementOptions {
  Index samples = 5000;        ///< factor rows for mig
  Index bins = 20;             ///< equal-width bins per code dimension (mig)
  Index sap_train = 2500;      ///< sap: rows that fit each classifier (mig's first rows)
  Index sap_test = 2500;       ///< sap: held-out rows that score them (the rows after those)
  Index variance_rows = 5000;  ///< factor_vae_score: rows for each dimension's global std
  Index votes = 300;           ///< factor_vae_score: training votes
  Index test_votes = 300;      ///< factor_vae_score: held-out votes it scores
  Index vote_batch = 64;       ///< rows per vote sharing the fixed factor
  Index points = 300;          ///< beta_vae_score: training points
  Index test_points = 300;     ///< beta_vae_score: held-out points it scores
  Index pairs = 32;            ///< pairs averaged per point
  double prune_std = 0.05;     ///< factor_vae_score ignores dimensions of smaller global std
};

/// The sizes of disentanglement_lib's unsupervised study (Locatello et al. 2019,
/// config/unsupervised_study_v1/metric_configs/*.gin): 10000 rows for mig, 10000 + 5000 for
/// sap, 10000 + 5000 votes of 64 rows (and 10000 rows for the std), 10000 + 5000 points of
/// 64 pairs; about 33 times the images of the defaults.
DisentanglementOptions study_disentanglement_options();

/// n factor rows drawn uniformly and independently (n, K).
core::IndexTensor sample_factors(const std::vector<Index>& sizes, Index n, core::Generator& gen);

/// Mutual information gap of codes (n, D) against factors (n, K), in [0, 1].
double mig(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes,
           Index bins = 20);
/// Separated attribute predictability of codes against factors; the first `train` rows fit
/// the classifiers, the rest score them (without `train`, the first half fits).
double sap(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes,
           Index train);
double sap(const core::Tensor<float>& codes, const core::IndexTensor& factors, const std::vector<Index>& sizes);
double factor_vae_score(const Representation& represent, const std::vector<Index>& sizes, core::Generator& gen,
                        const DisentanglementOptions& options = {});
double beta_vae_score(const Representation& represent, const std::vector<Index>& sizes, core::Generator& gen,
                      const DisentanglementOptions& options = {});

struct DisentanglementScores {
  double beta_vae = 0, factor_vae = 0, mig = 0, sap = 0;
};
DisentanglementScores disentanglement(const Representation& represent, const std::vector<Index>& sizes,
                                      core::Generator& gen, const DisentanglementOptions& options = {});

}  // namespace xgrad::models
