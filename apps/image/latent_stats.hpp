#pragma once
// Latent-space statistics for any GenerativeModel, as plain vectors for JSON.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::apps {

/// Var over the rows of `data` of each latent dimension's posterior mean.
std::vector<double> latent_activity(models::GenerativeModel& model, const nn::Dataset& data);
/// Each latent group's (a hierarchy's layer's) KL: `kl` per dimension summed over the group's
/// dimensions, by name; empty for models without a posterior.
std::map<std::string, double> kl_per_layer(models::GenerativeModel& model, const std::vector<double>& kl);
/// The latent dimensions of group `layer` (all for an empty name); UsageError naming the groups
/// for a name the model has not.
std::vector<int> layer_dims(models::GenerativeModel& model, const std::string& layer);
/// Dimensions whose activity exceeds 0.01 (Burda et al. 2015).
int active_units(const std::vector<double>& activity, double threshold = 0.01);
/// Mean KL(q || p) per latent dimension over `data`; empty for models without a posterior (AAE).
std::vector<double> kl_per_dim(models::GenerativeModel& model, const nn::Dataset& data);
/// Latent dimensions sorted by decreasing `score`.
std::vector<int> dims_by_score(const std::vector<double>& score);

}  // namespace xgrad::apps
