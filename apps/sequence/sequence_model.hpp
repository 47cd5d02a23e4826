#pragma once
// The sequence apps' models (`xgrad text`, `xgrad series`): the flags of the
// commands, turned into a registry config ({"kind": "vrnn", "hidden": 128, ...}) and
// a model built by the registry — the VRNN, the Transformer VAE, or their baselines
// without latent variables ("rnn", "transformer").
#include <cstdint>
#include <memory>
#include <string>

#include "common/model_factory.hpp"
#include "xgrad/models/common/sequence_model.hpp"

namespace CLI {
class App;
}

namespace xgrad::apps {

/// The sequence commands' model flags.
struct SequenceModelConfig {
  std::string kind = "vrnn";        ///< a sequence kind of the registry (vrnn, rnn, transformer-vae, transformer)
  bool text = true;                 ///< bytes (Categorical over 256) or a real series (x_dim 1)
  std::string cell = "gru";         ///< gru or lstm
  std::string likelihood = "gauss"; ///< series: gauss or gmm
  std::int64_t hidden = 128;
  std::int64_t latent = 16;
  std::int64_t components = 5;      ///< gmm components
  double lr = 1e-3;
  double clip = 0;                  ///< global gradient-norm clip (0: none)
  std::string kl_schedule;          ///< a KlSchedule spec; empty: plain ELBO
  std::string lr_schedule;          ///< an nn::LrSchedule spec; empty: constant rate
  std::int64_t heads = 4;           ///< Transformers: attention heads (d_model is hidden)
  std::int64_t layers = 2;          ///< Transformers: layers of the encoder and of the decoder
  std::string z_input = "add";      ///< transformer-vae: add or prefix
  std::int64_t context = 64;        ///< Transformers: positions, the training length (the commands set it)
};

/// The Transformer flags of `text train` and `series train` (--heads, --layers, --z-input).
void add_transformer_options(CLI::App& cmd, SequenceModelConfig& c);

/// Throws UsageError for an unknown kind, cell or likelihood, or a non-positive size.
void check_sequence_config(const SequenceModelConfig& c);
/// The registry config of the flags; options the kind has not (the rnn's latent) are left out.
ModelConfig sequence_model_config(const SequenceModelConfig& c);

/// The generation, forecast and step-score methods of a built model, or nullptr for a model
/// without them (the rnn baseline).
models::SequenceModel* sequence_model_of(const BuiltModel& built);

}  // namespace xgrad::apps
