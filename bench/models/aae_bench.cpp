// One AAE training step (Makhzani et al. 2015) at the benchmark spec's sizes:
// encoder 784-512-512-8, decoder 8-512-512-784, discriminator 8-512-512-1, batch
// 128, deterministic encoder, all three phases (reconstruction, discriminator,
// generator) with their own Adam. The PyTorch side is bench/pytorch/aae.py.
#include <benchmark/benchmark.h>

#include "xgrad/core/random.hpp"
#include "xgrad/models/aae.hpp"

using namespace xgrad;

namespace {

void BM_AaeStep(benchmark::State& state) {
  core::Generator gen(0);
  // The benchmark spec's step, as bench/pytorch/aae.py runs it: one discriminator step
  // (AaeOptions' default trains the discriminator five times per batch).
  models::AaeOptions options;
  options.discriminator_steps = 1;
  options.disc_optim.lr = 2e-4;
  models::Aae model(options, gen);
  nn::Batch batch;
  batch.x = core::uniform<float>(core::Shape{128, 784}, 0.f, 1.f, gen);  // pixel intensities in [0, 1]
  models::Stepper stepper(model, gen);  // recon Adam 1e-3; disc and gen from the options
  stepper.step(batch);  // creates the optimizers' state, as the first real step does
  for (auto _ : state) {
    const models::StepStats stats = stepper.step(batch);
    benchmark::DoNotOptimize(stats.loss);
  }
}
BENCHMARK(BM_AaeStep)->Unit(benchmark::kMillisecond);

}  // namespace
