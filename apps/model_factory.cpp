#include "model_factory.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.hpp"
#include "xgrad/models/common/kl_schedule.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/models/beta_vae.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/vae.hpp"

namespace xgrad::apps {

using nlohmann::json;

json to_json(const ModelConfig& c) {
  return {{"kind", c.kind}, {"latent", c.latent}, {"lr", c.lr}, {"beta", c.beta},
          {"capacity", c.capacity}, {"kl_schedule", c.kl_schedule}};
}

ModelConfig model_config_from_json(const json& j, const std::string& source) {
  ModelConfig c;
  auto field = [&](const char* name, auto& out) {
    if (!j.is_object() || !j.contains(name))
      throw UsageError(fmt::format("{}: missing model option \"{}\"", source, name));
    try {
      j.at(name).get_to(out);
    } catch (const json::exception&) {
      throw UsageError(fmt::format("{}: model option \"{}\" has the wrong type", source, name));
    }
  };
  field("kind", c.kind);
  field("latent", c.latent);
  field("lr", c.lr);
  field("beta", c.beta);
  field("capacity", c.capacity);
  field("kl_schedule", c.kl_schedule);
  check_model_kind(c.kind);
  return c;
}

std::vector<std::string> model_kinds() { return {"vae", "conv-vae", "cvae", "beta-vae", "aae"}; }

void check_model_kind(const std::string& kind) {
  for (const auto& k : model_kinds())
    if (k == kind) return;
  throw UsageError(fmt::format("unknown model '{}' (choose from {})", kind, fmt::join(model_kinds(), ", ")));
}

BuiltModel make_model(const ModelConfig& c, core::Generator& gen) {
  check_model_kind(c.kind);
  if (c.latent <= 0) throw UsageError(fmt::format("--latent must be positive (got {})", c.latent));
  if (!(c.lr > 0)) throw UsageError(fmt::format("--lr must be positive (got {})", c.lr));
  BuiltModel b;
  const auto latent = static_cast<core::Index>(c.latent);
  if (c.kind == "vae" || c.kind == "conv-vae") {
    models::VaeOptions o;
    o.arch = c.kind == "vae" ? models::VaeOptions::Arch::Mlp : models::VaeOptions::Arch::Conv;
    o.latent = latent;
    o.lr = c.lr;
    b.model = std::make_shared<models::Vae>(o, gen);
  }
  if (c.kind == "cvae") {
    models::CvaeOptions o;
    o.latent = latent;
    o.lr = c.lr;
    b.model = std::make_shared<models::Cvae>(o, gen);
    b.conditional = true;
  }
  if (c.kind == "beta-vae") {
    require_positive("--beta", c.beta);
    models::BetaVaeOptions o;
    o.vae.latent = latent;
    o.vae.lr = c.lr;
    o.beta = c.beta;
    if (c.capacity > 0) {
      o.capacity = true;
      o.c_max = c.capacity;
    }
    b.model = std::make_shared<models::BetaVae>(o, gen);
  }
  if (c.kind == "aae") {
    models::AaeOptions o;
    o.latent_dim = latent;
    o.recon_optim.lr = c.lr;
    auto aae = std::make_shared<models::Aae>(o, gen);
    // The two-stage rates (AaeOptions::focus_from, settle_from) follow the run's progress.
    b.before_step = [m = aae.get()](std::int64_t step, std::int64_t total) { m->set_progress(step, total); };
    b.model = std::move(aae);
  }
  if (!c.kl_schedule.empty()) {
    models::KlSchedule schedule;
    try {
      schedule = models::KlSchedule::parse(c.kl_schedule);
    } catch (const core::Error& e) {
      throw UsageError(fmt::format("--kl-schedule: {}", e.what()));
    }
    auto* lvm = dynamic_cast<models::LatentVariableModel*>(b.model.get());
    if (!lvm) throw UsageError(fmt::format("--kl-schedule: model '{}' has no KL term", c.kind));
    if (c.kind == "beta-vae") {
      // beta scales the schedule's weight (BetaVae::set_kl_weight).
      b.before_step = [lvm, schedule](std::int64_t step, std::int64_t) { lvm->set_kl_weight(schedule.weight(step)); };
    } else {
      b.before_step = [lvm, schedule](std::int64_t step, std::int64_t) { lvm->set_objective(schedule.objective(step)); };
    }
  }
  return b;
}

}  // namespace xgrad::apps
