// What the benchmarked training steps (bench/models, the same configurations) cost
// besides time: after a few warm-up steps a step takes no new tensor memory from the
// system (the caching allocator serves it all), and a fixed seed gives the same loss,
// to the last bit, with 1 and with 2 threads.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/memory.hpp"
#include "xgrad/core/parallel.hpp"
#include "model_batches.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/hvae.hpp"
#include "xgrad/models/transformer_vae.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vq_vae.hpp"
#include "xgrad/models/vrnn.hpp"
#include "xgrad/nn/layers/transformer.hpp"
#include "xgrad/nn/optim/adam.hpp"
#include "thread_count.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

// One benchmarked step: `start` builds its model, optimizer and batch from a generator
// and returns the function that runs one step and gives its loss.
using StepFn = std::function<double()>;
struct ModelStep {
  std::string name;
  std::function<StepFn(core::Generator&)> start;
};

nn::Batch images(core::Generator& gen) { return test::image_batch(gen, 128); }
nn::Batch series(core::Generator& gen) { return test::series_batch(gen, 32, 64); }
nn::Batch text(core::Generator& gen) { return test::text_batch(gen, 32, 65); }

// A GenerativeModel stepped by a Stepper (its trainer's optimizers) on one batch.
template <class Model, class Options>
std::function<StepFn(core::Generator&)> generative(Options options, nn::Batch (*batch)(core::Generator&)) {
  return [options, batch](core::Generator& gen) -> StepFn {
    auto m = std::make_shared<Model>(options, gen);
    auto b = std::make_shared<nn::Batch>(batch(gen));
    auto stepper = std::make_shared<Stepper>(*m, gen);
    return [m, b, stepper] { return stepper->step(*b).loss; };
  };
}

// BM_TransformerEncoderLayerStep: a layer (d_model 128, 4 heads, ff 512, dropout 0.1) on
// (32, 64, 128), loss sum(y * w), Adam 1e-3.
StepFn encoder_layer_step(core::Generator& gen) {
  auto layer = std::make_shared<nn::TransformerEncoderLayer>(
      nn::TransformerLayerOptions{.d_model = 128, .nhead = 4, .dim_feedforward = 512, .dropout = 0.1f}, gen);
  const nn::Var x(core::normal<float>({32, 64, 128}, 0.f, 1.f, gen)), w(core::normal<float>({32, 64, 128}, 0.f, 1.f, gen));
  auto adam = std::make_shared<nn::Adam>(layer->parameters(), nn::AdamOptions{.lr = 1e-3});
  return [layer, x, w, adam] {
    adam->zero_grad();
    nn::Var loss = autograd::sum(layer->forward(x) * w);
    loss.backward();
    adam->step();
    return static_cast<double>(loss.value().item());
  };
}

// The steps of bench/models, same configurations.
std::vector<ModelStep> model_steps() {
  const TransformerVaeOptions transformer_vae{
      .decoder = {.likelihood = VrnnLikelihood::Categorical, .classes = 256, .d_model = 128, .heads = 4, .layers = 2,
                  .feedforward = 512, .dropout = 0.f, .context = 64},
      .latent = 16};
  return {
      {"VaeMlp", generative<Vae>(VaeOptions{}, images)},
      {"ConvVae", generative<Vae>(VaeOptions{.arch = VaeOptions::Arch::Conv}, images)},
      {"Cvae", generative<Cvae>(CvaeOptions{}, images)},
      {"Aae", generative<Aae>(AaeOptions{}, images)},
      {"VrnnSeries", generative<Vrnn>(VrnnOptions{.likelihood = VrnnLikelihood::Gaussian, .x_dim = 1, .hidden = 64, .latent = 16}, series)},
      {"VrnnText",
       generative<Vrnn>(VrnnOptions{.likelihood = VrnnLikelihood::Categorical, .classes = 256, .hidden = 128, .latent = 16}, text)},
      {"Hvae", generative<Hvae>(HvaeOptions{.objective = ElboLoss(KlSchedule::parse("linear:1000,group-free-bits:1"))}, images)},
      {"VqVae", generative<VqVae>(VqVaeOptions{}, images)},
      {"TransformerEncoderLayer", encoder_layer_step},
      {"TransformerVaeText", generative<TransformerVae>(transformer_vae, text)},
  };
}

std::vector<double> losses(const ModelStep& s, int threads, int steps) {
  core::set_num_threads(threads);
  core::Generator gen(11);
  const StepFn step = s.start(gen);
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) out.push_back(step());
  return out;
}

}  // namespace

TEST_CASE("a model step takes no new tensor memory from the system after warm-up", "[models][resources]") {
  for (const ModelStep& s : model_steps()) {
    INFO(s.name);
    core::Generator gen(5);
    const StepFn step = s.start(gen);
    for (int i = 0; i < 3; ++i) step();
    const core::AllocatorStats before = core::allocator_stats();
    for (int i = 0; i < 3; ++i) step();
    const core::AllocatorStats after = core::allocator_stats();
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.cache_hits > before.cache_hits);  // the steps did allocate, from the cache
  }
}

TEST_CASE("a model step gives the same loss to the last bit with 1 and 2 threads", "[models][threads]") {
  test::ThreadCount restore;
  for (const ModelStep& s : model_steps()) {
    INFO(s.name);
    const std::vector<double> one = losses(s, 1, 3), two = losses(s, 2, 3);
    for (std::size_t i = 0; i < one.size(); ++i) {
      INFO("step " << i);
      CHECK(one[i] == two[i]);  // exact: no op's result may depend on how work is split
    }
  }
}
