// Element-wise and reduction kernels at 1M floats, called as a user calls them
// (the op allocates its output; the allocator's cache makes that a reuse).
// Bytes processed count what the kernel reads plus what it writes.
//
// BM_Exp/1048576, BM_Add/1048576 and BM_Sum/1048576 are registered twice. Google
// Benchmark divides bytes by the *calling thread's* CPU time, which leaves out
// the second TBB thread's work and the time the caller waits for it, so for a
// parallel op that rate is too high. The /real_time twin divides by wall-clock
// time: that is the figure to compare with PyTorch's.
#include <benchmark/benchmark.h>

#include <algorithm>

#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/reduce.hpp"
#include "threads.hpp"

namespace core = xgrad::core;

namespace {

core::Tensor<float> input(core::Index n, float lo = -4.f, float hi = 4.f) {
  core::Tensor<float> t(core::Shape{n});
  for (core::Index i = 0; i < n; ++i) t.data()[i] = lo + (hi - lo) * static_cast<float>((i * 7919) % 1000) / 1000.f;
  return t;
}

void BM_Exp(benchmark::State& state) {
  const auto n = state.range(0);
  const auto x = input(n);
  for (auto _ : state) {
    auto y = core::exp(x);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 2 * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_Exp)->Arg(1048576);
BENCHMARK(BM_Exp)->Arg(1048576)->UseRealTime();

void BM_Add(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = input(n), b = input(n, 0.f, 1.f);
  for (auto _ : state) {
    auto y = core::add(a, b);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 3 * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_Add)->Arg(1048576);
BENCHMARK(BM_Add)->Arg(1048576)->UseRealTime();

void BM_Sum(benchmark::State& state) {
  const auto n = state.range(0);
  const auto x = input(n);
  for (auto _ : state) {
    auto y = core::sum(x);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * n * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_Sum)->Arg(1048576);
BENCHMARK(BM_Sum)->Arg(1048576)->UseRealTime();

// (B, N) + (N): the bias add of a linear layer, B vectorised rows.
void BM_BiasAdd(benchmark::State& state) {
  const auto rows = state.range(0), cols = state.range(1);
  const auto x = input(rows * cols).reshape({rows, cols});
  const auto b = input(cols);
  for (auto _ : state) {
    auto y = core::add(x, b);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * rows * cols * 2 * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_BiasAdd)->Args({128, 400})->Args({1024, 1024})->UseRealTime();

// sum over the batch axis: the gradient of a bias.
void BM_SumRows(benchmark::State& state) {
  const auto rows = state.range(0), cols = state.range(1);
  const auto x = input(rows * cols).reshape({rows, cols});
  for (auto _ : state) {
    auto y = core::sum(x, {0});
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * rows * cols * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_SumRows)->Args({128, 400})->Args({1024, 1024})->UseRealTime();

// sum over N, H and W of NCHW: a conv's bias gradient (the VQ-VAE's 7x7 and 14x14
// layers), reduced axes on both sides of the kept one.
void BM_SumBiasGradNCHW(benchmark::State& state) {
  const auto n = state.range(0), c = state.range(1), hw = state.range(2);
  const auto x = input(n * c * hw * hw).reshape({n, c, hw, hw});
  for (auto _ : state) {
    auto y = core::sum(x, {0, 2, 3});
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * n * c * hw * hw * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_SumBiasGradNCHW)->Args({128, 64, 7})->Args({128, 32, 14})->UseRealTime();

void BM_LogSumExpLastAxis(benchmark::State& state) {
  const auto rows = state.range(0), cols = state.range(1);
  const auto x = input(rows * cols).reshape({rows, cols});
  for (auto _ : state) {
    auto y = core::logsumexp(x, {-1});
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * rows * cols * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_LogSumExpLastAxis)->Args({128, 10})->Args({1024, 1024})->UseRealTime();

// How the parallel grain of core/detail/simd.hpp was chosen: the same op at
// sizes 4K..1M with 1 and 2 threads (second argument).
template <bool Costly>
void grain_probe(benchmark::State& state) {
  const auto n = state.range(0);
  core::set_num_threads(static_cast<int>(state.range(1)));
  const auto a = input(n), b = input(n, 0.f, 1.f);
  for (auto _ : state) {
    auto y = Costly ? core::exp(a) : core::add(a, b);
    benchmark::DoNotOptimize(y.data());
  }
  core::set_num_threads(xgrad::bench::threads_from_env());
}
void BM_GrainAdd(benchmark::State& state) { grain_probe<false>(state); }
void BM_GrainExp(benchmark::State& state) { grain_probe<true>(state); }
BENCHMARK(BM_GrainAdd)->ArgsProduct({{1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 18, 1 << 20}, {1, 2}})->UseRealTime();
BENCHMARK(BM_GrainExp)->ArgsProduct({{1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 18, 1 << 20}, {1, 2}})->UseRealTime();

// The feed-forward's GELU pass (core::bias_gelu_and_slope_: bias, activation and slope in
// one pass) at the Transformer VAE's shape, 2048 rows of 512, on 1 and 2 threads (second
// argument); the input is restored outside the timing, so every run sees the same values.
void BM_BiasGeluAndSlope(benchmark::State& state) {
  const core::Index rows = state.range(0), n = 512;
  core::set_num_threads(static_cast<int>(state.range(1)));
  const core::Tensor<float> x0 = input(rows * n).reshape(core::Shape{rows, n}), b = input(n, -1.f, 1.f);
  core::Tensor<float> x = x0;
  for (auto _ : state) {
    state.PauseTiming();
    std::copy(x0.begin(), x0.end(), x.begin());
    state.ResumeTiming();
    benchmark::DoNotOptimize(core::bias_gelu_and_slope_(x, b).data());
  }
  core::set_num_threads(xgrad::bench::threads_from_env());
}
BENCHMARK(BM_BiasGeluAndSlope)->ArgsProduct({{2048}, {1, 2}})->UseRealTime();

}  // namespace
