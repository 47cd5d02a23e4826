// What the benchmarked training steps (bench/models, the same configurations) cost
// besides time: after a few warm-up steps a step takes no new tensor memory from the
// system (the caching allocator serves it all), and a fixed seed gives the same loss,
// to the last bit, with 1 and with 2 threads.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/memory.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/models/aae.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vrnn.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

struct ModelStep {
  std::string name;
  std::function<std::unique_ptr<GenerativeModel>(core::Generator&)> make;
  std::function<nn::Batch(core::Generator&)> batch;
};

nn::Batch images(core::Generator& gen) {
  nn::Batch b{.x = core::uniform<float>({128, 784}, 0.f, 1.f, gen), .y = {}, .labels = core::IndexTensor(core::Shape{128})};
  for (Index i = 0; i < 128; ++i) b.labels.data()[i] = i % 10;
  return b;
}

nn::Batch series(core::Generator& gen) { return {core::normal<float>({32, 64, 1}, 0.f, 1.f, gen), {}, {}}; }

nn::Batch text(core::Generator& gen) {
  core::IndexTensor ids({32, 65});
  const auto u = core::uniform<float>({32, 65}, 32.f, 127.f, gen);
  for (Index i = 0; i < ids.numel(); ++i) ids.data()[i] = static_cast<Index>(u.data()[i]);
  return {{}, {}, ids};
}

// The six steps of bench/models, same configurations.
std::vector<ModelStep> model_steps() {
  return {
      {"VaeMlp", [](core::Generator& g) { return std::make_unique<Vae>(VaeOptions{}, g); }, images},
      {"ConvVae", [](core::Generator& g) { return std::make_unique<Vae>(VaeOptions{.arch = VaeOptions::Arch::Conv}, g); },
       images},
      {"Cvae", [](core::Generator& g) { return std::make_unique<Cvae>(CvaeOptions{}, g); }, images},
      {"Aae", [](core::Generator& g) { return std::make_unique<Aae>(AaeOptions{}, g); }, images},
      {"VrnnSeries",
       [](core::Generator& g) {
         return std::make_unique<Vrnn>(VrnnOptions{.likelihood = VrnnLikelihood::Gaussian, .x_dim = 1, .hidden = 64, .latent = 16}, g);
       },
       series},
      {"VrnnText",
       [](core::Generator& g) {
         return std::make_unique<Vrnn>(
             VrnnOptions{.likelihood = VrnnLikelihood::Categorical, .classes = 256, .hidden = 128, .latent = 16}, g);
       },
       text},
  };
}

std::vector<double> losses(const ModelStep& s, int threads, int steps) {
  core::set_num_threads(threads);
  core::Generator gen(11);
  auto model = s.make(gen);
  const nn::Batch batch = s.batch(gen);
  Stepper stepper(*model, gen);
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) out.push_back(stepper.step(batch).loss);
  return out;
}

struct RestoreThreads {
  ~RestoreThreads() { core::set_num_threads(0); }
};

}  // namespace

TEST_CASE("a model step takes no new tensor memory from the system after warm-up", "[models][resources]") {
  for (const ModelStep& s : model_steps()) {
    INFO(s.name);
    core::Generator gen(5);
    auto model = s.make(gen);
    const nn::Batch batch = s.batch(gen);
    Stepper stepper(*model, gen);
    for (int i = 0; i < 3; ++i) stepper.step(batch);
    const core::AllocatorStats before = core::allocator_stats();
    for (int i = 0; i < 3; ++i) stepper.step(batch);
    const core::AllocatorStats after = core::allocator_stats();
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.cache_hits > before.cache_hits);  // the steps did allocate, from the cache
  }
}

TEST_CASE("a model step gives the same loss to the last bit with 1 and 2 threads", "[models][threads]") {
  RestoreThreads restore;
  for (const ModelStep& s : model_steps()) {
    INFO(s.name);
    const std::vector<double> one = losses(s, 1, 3), two = losses(s, 2, 3);
    for (std::size_t i = 0; i < one.size(); ++i) {
      INFO("step " << i);
      CHECK(one[i] == two[i]);  // exact: no op's result may depend on how work is split
    }
  }
}
