#include "sequence_model.hpp"

#include <fmt/format.h>

#include "cli.hpp"
#include <optional>

#include "xgrad/autograd/variable.hpp"
#include "xgrad/models/common/kl_schedule.hpp"

namespace xgrad::apps {

using nlohmann::json;

json to_json(const SequenceModelConfig& c) {
  return {{"kind", c.kind},       {"text", c.text},     {"cell", c.cell},
          {"likelihood", c.likelihood}, {"hidden", c.hidden}, {"latent", c.latent},
          {"components", c.components}, {"lr", c.lr},   {"clip", c.clip},
          {"kl_schedule", c.kl_schedule}};
}

SequenceModelConfig sequence_config_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw UsageError(fmt::format("{}: the model config is not a JSON object", source));
  SequenceModelConfig c;
  auto field = [&](const char* name, auto& into) {
    if (!j.contains(name)) throw UsageError(fmt::format("{}: the model config has no \"{}\"", source, name));
    try {
      j.at(name).get_to(into);
    } catch (const json::exception&) {
      throw UsageError(fmt::format("{}: the model config's \"{}\" has the wrong type", source, name));
    }
  };
  field("kind", c.kind), field("text", c.text), field("cell", c.cell), field("likelihood", c.likelihood);
  field("hidden", c.hidden), field("latent", c.latent), field("components", c.components);
  field("lr", c.lr), field("clip", c.clip), field("kl_schedule", c.kl_schedule);
  try {
    check_sequence_config(c);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", source, e.what()));
  }
  return c;
}

void check_sequence_config(const SequenceModelConfig& c) {
  if (c.kind != "vrnn" && c.kind != "rnn") throw UsageError(fmt::format("unknown model '{}' (choose from vrnn, rnn)", c.kind));
  if (c.cell != "gru" && c.cell != "lstm") throw UsageError(fmt::format("unknown --rnn '{}' (choose from gru, lstm)", c.cell));
  if (c.likelihood != "gauss" && c.likelihood != "gmm")
    throw UsageError(fmt::format("unknown --likelihood '{}' (choose from gauss, gmm)", c.likelihood));
  if (c.kind == "rnn" && !c.text && c.likelihood == "gmm") throw UsageError("--model rnn supports --likelihood gauss only");
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

namespace {

models::VrnnLikelihood likelihood_of(const SequenceModelConfig& c) {
  if (c.text) return models::VrnnLikelihood::Categorical;
  return c.likelihood == "gmm" ? models::VrnnLikelihood::Mixture : models::VrnnLikelihood::Gaussian;
}
models::RecurrentCell cell_of(const SequenceModelConfig& c) {
  return c.cell == "lstm" ? models::RecurrentCell::LSTM : models::RecurrentCell::GRU;
}

class VrnnModel : public SequenceModel {
 public:
  VrnnModel(const SequenceModelConfig& c, core::Generator& gen)
      : vrnn_({.likelihood = likelihood_of(c), .cell = cell_of(c), .x_dim = 1, .classes = 256, .hidden = c.hidden,
               .latent = c.latent, .components = c.components, .lr = c.lr, .clip_norm = c.clip},
              gen) {
    if (!c.kl_schedule.empty()) schedule_ = models::KlSchedule::parse(c.kl_schedule);
  }
  models::StepStats train_step(const nn::Batch& b, core::Generator& gen, std::int64_t step) override {
    if (schedule_) vrnn_.set_objective(schedule_->objective(step));
    return vrnn_.train_step(b, gen);
  }
  models::EvalSums evaluate(const nn::Batch& b, core::Generator& gen) override { return vrnn_.evaluate(b, gen); }
  core::Tensor<float> iwae_log_likelihood(const nn::Batch& b, int k, core::Generator& gen) override {
    return vrnn_.iwae_log_likelihood(b, k, gen);
  }
  nn::Module& module() override { return vrnn_; }
  NamedOptimizers optimizers() override { return vrnn_.optimizers(); }
  models::Vrnn* vrnn() override { return &vrnn_; }
  std::string describe() const override { return vrnn_.describe(); }

 private:
  models::Vrnn vrnn_;
  std::optional<models::KlSchedule> schedule_;
};

class RnnModel : public SequenceModel {
 public:
  RnnModel(const SequenceModelConfig& c, core::Generator& gen)
      : lm_({.likelihood = likelihood_of(c), .cell = cell_of(c), .x_dim = 1, .classes = 256, .hidden = c.hidden,
             .lr = c.lr},
            gen) {}
  models::StepStats train_step(const nn::Batch& b, core::Generator&, std::int64_t) override { return lm_.train_step(b); }
  models::EvalSums evaluate(const nn::Batch& b, core::Generator&) override { return lm_.evaluate(b); }
  core::Tensor<float> iwae_log_likelihood(const nn::Batch& b, int, core::Generator&) override {
    autograd::NoGradGuard no_grad;
    const auto in = models::SequenceInput::from_batch(b, lm_.options);
    core::Tensor<float> ll = lm_.nll(in).value();
    for (auto& v : ll) v = -v;
    return ll;
  }
  nn::Module& module() override { return lm_; }
  NamedOptimizers optimizers() override { return {{"adam", &lm_.optimizer()}}; }
  std::string describe() const override { return lm_.describe(); }

 private:
  models::RnnLm lm_;
};

}  // namespace

std::unique_ptr<SequenceModel> make_sequence_model(const SequenceModelConfig& c, core::Generator& gen) {
  check_sequence_config(c);
  if (c.kind == "rnn") return std::make_unique<RnnModel>(c, gen);
  return std::make_unique<VrnnModel>(c, gen);
}

void save_sequence_model(const std::string& path, SequenceModel& model, const SequenceModelConfig& config) {
  save_module_file(path, model.module(), config.kind, to_json(config));
}

void load_sequence_model(const std::string& path, SequenceModel& model, const SequenceModelConfig& config) {
  load_module_file(path, model.module(), config.kind);
}

}  // namespace xgrad::apps
