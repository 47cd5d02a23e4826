#include "sequence/sequence_model.hpp"

#include <fmt/format.h>

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
                                   {"lr", c.lr},         {"clip", c.clip},           {"kl_schedule", c.kl_schedule}};
  return {c.kind, models::ModelRegistry::global().complete(c.kind, given, /*strict=*/false)};
}

models::Vrnn* vrnn_of(const BuiltModel& built) { return dynamic_cast<models::Vrnn*>(built.model.get()); }

}  // namespace xgrad::apps
