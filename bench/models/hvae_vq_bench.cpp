// One train_step (forward, backward, Adam 1e-3) of the hierarchical VAE and of the
// VQ-VAE on a batch of random images in [0, 1], with their defaults: the hvae at its
// training batch, 64 (the registry's), and at 128 (BM_HvaeStep's batch until 2026-12-05);
// the VQ-VAE at 128. The PyTorch sides are bench/pytorch/hvae.py --bench and
// bench/pytorch/vq_vae.py.
#include <benchmark/benchmark.h>

#include "xgrad/models/hvae.hpp"
#include "xgrad/models/vq_vae.hpp"

#include "workloads/workloads.hpp"

using namespace xgrad;
using namespace xgrad::models;

namespace {

void run(benchmark::State& state, GenerativeModel& model, core::Generator& gen, Index rows = 128) {
  const nn::Batch batch{.x = core::uniform<float>({rows, 784}, 0.f, 1.f, gen), .y = {}, .labels = {}};
  Stepper stepper(model, gen);  // Adam 1e-3, built outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(stepper.step(batch).loss);
  bench::memory_counters(state);
}

// Ladder 784-512-512 / 256 / 128, z 32-16-8, decoder 32-512-512-784; past the KL
// warm-up the loss is the same graph (the group free bits' floor is one clamp per layer).
void BM_HvaeStep(benchmark::State& state) {
  core::Generator gen(0);
  Hvae hvae(HvaeOptions{.objective = ElboLoss(KlSchedule::parse("linear:1000,group-free-bits:1"))}, gen);
  run(state, hvae, gen, state.range(0));
}
BENCHMARK(BM_HvaeStep)->ArgName("batch")->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);

// Conv encoder/decoder with two residual blocks each, 7x7 grid of K = 128 codes of D = 64.
void BM_VqVaeStep(benchmark::State& state) {
  core::Generator gen(0);
  VqVae vq(VqVaeOptions{}, gen);
  run(state, vq, gen);
}
BENCHMARK(BM_VqVaeStep)->Unit(benchmark::kMillisecond);

}  // namespace
