// Every benchmarked model (the configurations of bench/models), multi-phase ones
// included, trains to the same bits with the optimizer step inside backward as with
// backward then step: no op of any model reads a parameter after its gradient is final.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model_batches.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/factor_vae.hpp"
#include "xgrad/models/hvae.hpp"
#include "xgrad/models/transformer_vae.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vq_vae.hpp"
#include "xgrad/models/vrnn.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

nn::Batch images(core::Generator& gen) { return test::image_batch(gen, 32); }
nn::Batch series(core::Generator& gen) { return test::series_batch(gen, 8, 16); }
nn::Batch text(core::Generator& gen) { return test::text_batch(gen, 8, 33); }

// Trains a fresh model 3 steps and returns its parameters' and optimizers' bytes.
using Train = std::function<std::vector<std::vector<char>>(bool fused)>;

template <class Model, class Options>
Train trains(Options options, nn::Batch (*batch)(core::Generator&)) {
  return [options, batch](bool fused) {
    core::Generator gen(17);
    Model model(options, gen);
    const nn::Batch b = batch(gen);
    Stepper stepper(model, gen, nn::OptimizerOptions{.lr = 1e-2});
    stepper.optimizers().set_step_in_backward(fused);
    for (const auto& [name, opt] : stepper.optimizers().named()) CHECK(stepper.optimizers().steps_in_backward(name) == fused);
    for (int i = 0; i < 3; ++i) stepper.step(b);
    std::vector<std::vector<char>> bytes;
    auto add = [&](const nn::Tensor& t) {
      const auto* p = reinterpret_cast<const char*>(t.data());
      bytes.emplace_back(p, p + sizeof(float) * t.numel());
    };
    for (const auto& [name, p] : model.named_parameters()) add(p.value());
    for (const auto& [name, opt] : stepper.optimizers().named())
      for (const auto& [key, t] : opt->state().tensors) add(t);
    return bytes;
  };
}

}  // namespace

TEST_CASE("every benchmarked model trains to the same bits with the step inside backward", "[models][in_backward]") {
  const TransformerVaeOptions transformer_vae{
      .decoder = {.likelihood = VrnnLikelihood::Categorical, .classes = 256, .d_model = 32, .heads = 2, .layers = 2,
                  .feedforward = 64, .dropout = 0.1f, .context = 32},
      .latent = 8};
  const std::vector<std::pair<std::string, Train>> models{
      {"VaeMlp", trains<Vae>(VaeOptions{}, images)},
      {"ConvVae", trains<Vae>(VaeOptions{.arch = VaeOptions::Arch::Conv}, images)},
      {"Cvae", trains<Cvae>(CvaeOptions{}, images)},
      {"Aae", trains<Aae>(AaeOptions{}, images)},
      {"FactorVae", trains<FactorVae>(FactorVaeOptions{.disc_hidden = {64, 64}}, images)},
      {"VrnnSeries", trains<Vrnn>(VrnnOptions{.likelihood = VrnnLikelihood::Gaussian, .x_dim = 1, .hidden = 16, .latent = 4}, series)},
      {"Hvae", trains<Hvae>(HvaeOptions{.objective = ElboLoss(KlSchedule::parse("linear:1000,group-free-bits:1"))}, images)},
      {"VqVae", trains<VqVae>(VqVaeOptions{}, images)},
      {"TransformerVaeText", trains<TransformerVae>(transformer_vae, text)},
  };
  for (const auto& [name, train] : models) {
    INFO(name);
    const auto plain = train(false), fused = train(true);
    REQUIRE(plain.size() == fused.size());
    std::size_t differ = 0;
    for (std::size_t k = 0; k < plain.size(); ++k) differ += plain[k] != fused[k];
    CHECK(differ == 0);
  }
}
