#pragma once
// The sequence apps' models (`xgrad text`, `xgrad series`) behind one interface:
// the VRNN, and the recurrent baseline without latent variables ("rnn") that the
// VRNN is compared with. A config travels as JSON in config.json, model files and
// checkpoints, so a run directory rebuilds its model.
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "run_state.hpp"
#include "xgrad/models/rnn_lm.hpp"
#include "xgrad/models/vrnn.hpp"

namespace xgrad::apps {

struct SequenceModelConfig {
  std::string kind = "vrnn";        ///< vrnn or rnn (no latent variables)
  bool text = true;                 ///< bytes (Categorical over 256) or a real series (x_dim 1)
  std::string cell = "gru";         ///< gru or lstm
  std::string likelihood = "gauss"; ///< series: gauss or gmm
  std::int64_t hidden = 128;
  std::int64_t latent = 16;
  std::int64_t components = 5;      ///< gmm components
  double lr = 1e-3;
  double clip = 0;                  ///< global gradient-norm clip (0: none)
  std::string kl_schedule;          ///< a KlSchedule spec; empty: plain ELBO
};

nlohmann::json to_json(const SequenceModelConfig& c);
/// Throws UsageError naming `source` and the field.
SequenceModelConfig sequence_config_from_json(const nlohmann::json& j, const std::string& source);
/// Throws UsageError for an unknown kind, cell or likelihood, or a non-positive size.
void check_sequence_config(const SequenceModelConfig& c);

/// What training and scoring need of a sequence model. Sums and scores are in nats.
class SequenceModel {
 public:
  virtual ~SequenceModel() = default;
  virtual models::StepStats train_step(const nn::Batch& batch, core::Generator& gen, std::int64_t step) = 0;
  virtual models::EvalSums evaluate(const nn::Batch& batch, core::Generator& gen) = 0;
  /// (B) importance-weighted log-likelihood bound per row (exact for the rnn).
  virtual core::Tensor<float> iwae_log_likelihood(const nn::Batch& batch, int k, core::Generator& gen) = 0;
  virtual nn::Module& module() = 0;
  virtual NamedOptimizers optimizers() = 0;
  /// The VRNN, or nullptr for the baseline.
  virtual models::Vrnn* vrnn() { return nullptr; }
  virtual std::string describe() const = 0;
};

std::unique_ptr<SequenceModel> make_sequence_model(const SequenceModelConfig& config, core::Generator& gen);

/// model.safetensors with the config in its metadata, atomically.
void save_sequence_model(const std::string& path, SequenceModel& model, const SequenceModelConfig& config);
/// Loads the model file written for `config`; UsageError when it is not one.
void load_sequence_model(const std::string& path, SequenceModel& model, const SequenceModelConfig& config);

}  // namespace xgrad::apps
