#pragma once
// Latent-space statistics for any GenerativeModel, as plain vectors for JSON.
#include <cstdint>
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::apps {

/// Var over the rows of `data` of each latent dimension's posterior mean.
std::vector<double> latent_activity(models::GenerativeModel& model, const nn::Dataset& data);
/// Dimensions whose activity exceeds 0.01 (Burda et al. 2015).
int active_units(const std::vector<double>& activity, double threshold = 0.01);
/// Mean KL(q || p) per latent dimension over `data`; empty for models without a posterior (AAE).
std::vector<double> kl_per_dim(models::GenerativeModel& model, const nn::Dataset& data);
/// Latent dimensions sorted by decreasing `score`.
std::vector<int> dims_by_score(const std::vector<double>& score);

}  // namespace xgrad::apps
