#pragma once
// Looking at a latent space: interpolation, traversal, per-dimension KL, active
// units, and how far a set of codes is from a standard Gaussian (moments and a
// two-sample discriminator test). Pure functions of a model or of codes (no files,
// no pictures: apps draw them).
#include <optional>

#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::models {

/// Encodes a and b (the same number of rows B), decodes `steps` (>= 2) points on the
/// segment between their codes, ends included: (B * steps, ...) with each pair's
/// steps contiguous. Conditional models decode with a's labels.
Tensor interpolate(GenerativeModel& model, const Batch& a, const Batch& b, int steps);

/// Encodes `base` (B rows) and decodes `steps` (>= 2) codes in which dimension `dim`
/// runs evenly over [-range, range] (the others kept): (B * steps, ...), each row's
/// steps contiguous.
Tensor traverse(GenerativeModel& model, const Batch& base, Index dim, double range, int steps);

/// The codes (posterior means, `encode`) of every row of `data`, in order: (N, latent_dim).
Tensor encode_dataset(GenerativeModel& model, const nn::Dataset& data, Index batch_size = 500);

/// KL(q(z | x) || p(z)) of each latent dimension averaged over the dataset: (latent_dim).
/// Uses the analytic KL, so no sampling is involved.
Tensor kl_per_dimension(LatentVariableModel& model, const nn::Dataset& data, Index batch_size = 256);

struct ActiveUnits {
  Tensor variance;  ///< (latent_dim) Var_x(E_q[z_d | x]) over the dataset
  Index count = 0;  ///< dimensions whose variance exceeds the threshold
};

/// Active units (Burda et al. 2015): dimension d is active when Cov_x(E_q[z_d | x]) > threshold.
ActiveUnits active_units(GenerativeModel& model, const nn::Dataset& data, Index batch_size = 256,
                         double threshold = 0.01);

/// First and second moments of codes (N, D): the per-dimension mean (D) and the
/// covariance (D, D), normalised by N - 1. Used to check an aggregate posterior q(z) against N(0, I).
struct CodeMoments {
  Tensor mean;
  Tensor cov;
};
CodeMoments code_moments(const Tensor& codes);
/// The total correlation (models/common/total_correlation.hpp) of the aggregate posterior of
/// the first n rows of `data`, one code drawn per row from `gen`; nullopt for a model whose
/// q(z | x) is not a diagonal Gaussian. Compare models at the same n: the estimate's bias
/// depends on it.
std::optional<double> aggregate_total_correlation(GenerativeModel& model, const nn::Dataset& data, Index n,
                                                  core::Generator& gen);

/// || cov - I ||_F.
double distance_from_identity(const Tensor& cov);

/// A two-sample test of "the codes look like the prior": trains a fresh
/// discriminator (latent_dim-hidden-hidden-1, Adam) for `epochs` on the first half
/// of `codes` (label 0) vs the first half of `prior_draws` (label 1), and returns its
/// accuracy on the other halves. About 0.5 when the two cannot be told apart.
double fresh_discriminator_accuracy(const Tensor& codes, const Tensor& prior_draws, core::Generator& gen,
                                    int epochs = 20, Index hidden = 512, Index batch_size = 128);

}  // namespace xgrad::models
