// One optimizer step over 1M float parameters (4 tensors of 250k, gradients
// preset), the update a training step pays after backward. The PyTorch side is
// bench/pytorch/nn_optim.py. Bytes counted: every array read or written once.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>

#include "xgrad/nn/optim/adam.hpp"
#include "xgrad/nn/optim/clip.hpp"
#include "xgrad/nn/optim/sgd.hpp"

using namespace xgrad::nn;

namespace {

constexpr Index kTensors = 4, kEach = 250'000;

// GB/s over wall-clock time (the update runs on TBB threads, whose CPU time the
// default counter would miss; UseRealTime() would rename the benchmark).
using Clock = std::chrono::steady_clock;
void gbps(benchmark::State& state, double bytes_per_iteration, Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  state.counters["GB/s"] = bytes_per_iteration * 1e-9 * static_cast<double>(state.iterations()) / seconds;
}

std::vector<Var> params_with_grads() {
  std::mt19937 gen(0);
  std::normal_distribution<float> normal;
  std::vector<Var> ps;
  for (Index k = 0; k < kTensors; ++k) {
    Tensor w({kEach}), g({kEach});
    for (float& v : w) v = normal(gen);
    for (float& v : g) v = normal(gen) * 1e-2f;
    ps.emplace_back(std::move(w), true);
    ps.back().grad_mut() = std::move(g);
  }
  return ps;
}

// `arrays`: how many float arrays of the parameters' size one step reads or writes.
template <class O, class Options>
void run_step(benchmark::State& state, Options options, int arrays) {
  auto ps = params_with_grads();
  O opt(ps, options);
  opt.step();  // creates the state, as the first training step does
  const auto start = Clock::now();
  for (auto _ : state) {
    opt.step();
    benchmark::DoNotOptimize(ps[0].value().data());
  }
  gbps(state, double(kTensors * kEach * arrays) * sizeof(float), start);
}

// p, g, m, v read; p, m, v written.
void BM_AdamStep1M(benchmark::State& state) { run_step<Adam>(state, AdamOptions{}, 7); }
BENCHMARK(BM_AdamStep1M)->Unit(benchmark::kMicrosecond);

void BM_AdamWStep1M(benchmark::State& state) { run_step<AdamW>(state, AdamWOptions{}, 7); }
BENCHMARK(BM_AdamWStep1M)->Unit(benchmark::kMicrosecond);

// p, g, b read; p, b written.
void BM_SGDMomentumStep1M(benchmark::State& state) { run_step<SGD>(state, SGDOptions{.momentum = 0.9}, 5); }
BENCHMARK(BM_SGDMomentumStep1M)->Unit(benchmark::kMicrosecond);

// Measures the norm only (the limit is never reached).
void BM_ClipGradNorm1M(benchmark::State& state) {
  auto ps = params_with_grads();
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(clip_grad_norm_(ps, 1e9));
  gbps(state, double(kTensors * kEach) * sizeof(float), start);
}
BENCHMARK(BM_ClipGradNorm1M)->Unit(benchmark::kMicrosecond);

}  // namespace
