// One VRNN training step (forward over a 64-step window, backward, Adam), the
// configurations of the reference benchmark. The PyTorch side is
// bench/pytorch/vrnn.py --bench (same layout, shapes and threads).
#include <benchmark/benchmark.h>

#include "xgrad/core/random.hpp"
#include "xgrad/models/vrnn.hpp"

#include "workloads/workloads.hpp"

using namespace xgrad;

namespace {

constexpr core::Index kBatch = 32, kSteps = 64;

// GRU h=64, z=16, x_dim 1, seq 64, batch 32, Gaussian output.
void BM_VrnnSeriesStep(benchmark::State& state) {
  core::Generator gen(0);
  models::Vrnn m({.likelihood = models::VrnnLikelihood::Gaussian, .x_dim = 1, .hidden = 64, .latent = 16}, gen);
  const nn::Batch batch{core::normal<float>({kBatch, kSteps, 1}, 0.f, 1.f, gen), {}, {}};
  models::Stepper stepper(m, gen);  // Adam 1e-3, built outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(stepper.step(batch).loss);
}
BENCHMARK(BM_VrnnSeriesStep)->Unit(benchmark::kMillisecond);

// GRU h=128, z=16, 256 byte classes, seq 64, batch 32, Categorical output; other sequence
// lengths: BM_VrnnTextStepScaling.
void BM_VrnnTextStep(benchmark::State& state) { bench::vrnn_text_step(state, kSteps); }
BENCHMARK(BM_VrnnTextStep)->Unit(benchmark::kMillisecond);

}  // namespace
