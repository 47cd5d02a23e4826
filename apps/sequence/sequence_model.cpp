#include "sequence/sequence_model.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "common/cli.hpp"
#include "xgrad/models/common/kl_schedule.hpp"

namespace xgrad::apps {

void check_sequence_config(const SequenceModelConfig& c) {
  require_kind(c.kind, [](const models::ModelCapabilities& caps) { return caps.sequence; });
  if (c.cell != "gru" && c.cell != "lstm") throw UsageError(fmt::format("unknown --rnn '{}' (choose from gru, lstm)", c.cell));
  if (c.likelihood != "gauss" && c.likelihood != "gmm")
    throw UsageError(fmt::format("unknown --likelihood '{}' (choose from gauss, gmm)", c.likelihood));
  require_positive("--hidden", static_cast<double>(c.hidden));
  require_positive("--latent", static_cast<double>(c.latent));
  require_positive("--components", static_cast<double>(c.components));
  require_positive("--lr", c.lr);
  require_positive("--heads", static_cast<double>(c.heads));
  require_positive("--layers", static_cast<double>(c.layers));
  if (c.z_input != "add" && c.z_input != "prefix")
    throw UsageError(fmt::format("unknown --z-input '{}' (choose from add, prefix)", c.z_input));
  if (c.clip < 0) throw UsageError(fmt::format("--clip must be >= 0 (got {})", c.clip));
  if (!c.kl_schedule.empty()) {
    try {
      (void)models::KlSchedule::parse(c.kl_schedule);
    } catch (const core::Error& e) {
      throw UsageError(fmt::format("--kl-schedule: {}", e.what()));
    }
  }
}

ModelConfig sequence_model_config(const SequenceModelConfig& c) {
  const models::ModelOptions given{{"text", c.text},     {"cell", c.cell},           {"likelihood", c.likelihood},
                                   {"hidden", c.hidden}, {"latent", c.latent},       {"components", c.components},
                                   {"lr", c.lr},         {"clip", c.clip},           {"kl_schedule", c.kl_schedule},
                                   {"heads", c.heads},   {"layers", c.layers},       {"z_input", c.z_input},
                                   {"context", c.context}, {"lr_schedule", c.lr_schedule}};
  return {c.kind, models::ModelRegistry::global().complete(c.kind, given, /*strict=*/false)};
}

void add_transformer_options(CLI::App& cmd, SequenceModelConfig& c) {
  cmd.add_option("--heads", c.heads, "Transformers: attention heads (--hidden is d_model)")->capture_default_str();
  cmd.add_option("--layers", c.layers, "Transformers: layers of the encoder and of the decoder")->capture_default_str();
  cmd.add_option("--z-input", c.z_input, "transformer-vae: how z enters the decoder, add or prefix")->capture_default_str();
}

models::SequenceModel* sequence_model_of(const BuiltModel& built) {
  return dynamic_cast<models::SequenceModel*>(built.model.get());
}

}  // namespace xgrad::apps
