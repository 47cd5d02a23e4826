#pragma once
// The sequence apps' models (`xgrad text`, `xgrad series`): the flags of the
// commands, turned into a registry config ({"kind": "vrnn", "hidden": 128, ...}) and
// a model built by the registry — the VRNN, or the recurrent baseline without
// latent variables ("rnn") that the VRNN is compared with.
#include <cstdint>
#include <memory>
#include <string>

#include "common/model_factory.hpp"
#include "xgrad/models/vrnn.hpp"

namespace xgrad::apps {

/// The sequence commands' model flags.
struct SequenceModelConfig {
  std::string kind = "vrnn";        ///< a sequence kind of the registry (vrnn, rnn)
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

/// Throws UsageError for an unknown kind, cell or likelihood, or a non-positive size.
void check_sequence_config(const SequenceModelConfig& c);
/// The registry config of the flags; options the kind has not (the rnn's latent) are left out.
ModelConfig sequence_model_config(const SequenceModelConfig& c);

/// The VRNN of a built model, or nullptr for a model without its sequence methods.
models::Vrnn* vrnn_of(const BuiltModel& built);

}  // namespace xgrad::apps
