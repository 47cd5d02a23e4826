// One train_step (forward, backward, Adam) of each VAE on a batch of 128 random
// images in [0, 1]. The PyTorch side is bench/pytorch/vae.py --bench (same models,
// same batch, PyTorch's default init, Adam 1e-3, per-example mean of the loss).
#include <benchmark/benchmark.h>

#include "xgrad/models/ae.hpp"
#include "xgrad/models/cvae.hpp"
#include "xgrad/models/dae.hpp"
#include "xgrad/models/dvae.hpp"
#include "xgrad/models/vae.hpp"

#include "workloads/workloads.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

void run(benchmark::State& state, GenerativeModel& model, core::Generator& gen) {
  const nn::Batch batch = bench::random_images(128, gen);
  Stepper stepper(model, gen);  // Adam 1e-3, built outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(stepper.step(batch).loss);
  bench::memory_counters(state);
}

// 784-400-20 (PyTorch's examples/vae); other batch sizes: BM_VaeMlpStepScaling.
void BM_VaeMlpStep(benchmark::State& state) { bench::vae_mlp_step(state, 128); }
BENCHMARK(BM_VaeMlpStep)->Unit(benchmark::kMillisecond);

// conv 4x4/2 32, conv 4x4/2 64, Linear 3136 -> 400, latent 20, and the mirror.
void BM_ConvVaeStep(benchmark::State& state) {
  core::Generator gen(0);
  Vae vae(VaeOptions{.arch = VaeOptions::Arch::Conv}, gen);
  run(state, vae, gen);
}
BENCHMARK(BM_ConvVaeStep)->Unit(benchmark::kMillisecond);

// (784 + 10)-400-20, decoder (20 + 10)-400-784.
void BM_CvaeStep(benchmark::State& state) {
  core::Generator gen(0);
  Cvae cvae(CvaeOptions{}, gen);
  run(state, cvae, gen);
}
BENCHMARK(BM_CvaeStep)->Unit(benchmark::kMillisecond);

// The autoencoders and the denoising VAE (784-400-20): next to BM_VaeMlpStep, what the
// deterministic code saves and what drawing the corruption at every step costs.
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
