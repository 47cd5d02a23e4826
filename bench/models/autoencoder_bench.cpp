// One train_step of the autoencoders and the denoising VAE (784-400-20, batch 128 of
// random images in [0, 1], Adam 1e-3): next to BM_VaeMlpStep, what the deterministic
// code saves and what drawing the corruption at every step costs.
#include <benchmark/benchmark.h>

#include "xgrad/models/ae.hpp"
#include "xgrad/models/dae.hpp"
#include "xgrad/models/dvae.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

void run(benchmark::State& state, GenerativeModel& model, core::Generator& gen) {
  const nn::Batch batch{.x = core::uniform<float>({128, 784}, 0.f, 1.f, gen), .y = {}, .labels = {}};
  Stepper stepper(model, gen);
  for (auto _ : state) benchmark::DoNotOptimize(stepper.step(batch).loss);
}

void BM_AeStep(benchmark::State& state) {
  core::Generator gen(0);
  Autoencoder ae(AutoencoderOptions{}, gen);
  run(state, ae, gen);
}
BENCHMARK(BM_AeStep)->Unit(benchmark::kMillisecond);

// Masking noise 0.25 (the default): one uniform draw per pixel.
void BM_DaeStep(benchmark::State& state) {
  core::Generator gen(0);
  Dae dae(DaeOptions{}, gen);
  run(state, dae, gen);
}
BENCHMARK(BM_DaeStep)->Unit(benchmark::kMillisecond);

// Salt-and-pepper 0.1 (the default) before the VAE's encoder.
void BM_DvaeStep(benchmark::State& state) {
  core::Generator gen(0);
  Dvae dvae(DvaeOptions{}, gen);
  run(state, dvae, gen);
}
BENCHMARK(BM_DvaeStep)->Unit(benchmark::kMillisecond);

}  // namespace
