// Matrix products and convolution. BM_BlasDirectSgemm is the reference: OpenBLAS
// called on preallocated buffers, the best a product through xgrad can do.
#include <benchmark/benchmark.h>

#include <random>

#include "xgrad/core/blas.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/linalg.hpp"

using namespace xgrad::core;

namespace {

Tensor<float> random(const Shape& s, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Tensor<float> t(s);
  for (float& v : t) v = u(gen);
  return t;
}

void gflops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

void BM_Sgemm(benchmark::State& state) {
  const Index n = state.range(0);
  const auto a = random({n, n}, 1), b = random({n, n}, 2);
  for (auto _ : state) benchmark::DoNotOptimize(matmul(a, b).data());
  gflops(state, 2.0 * n * n * n);
}
BENCHMARK(BM_Sgemm)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->UseRealTime();

void BM_BlasDirectSgemm(benchmark::State& state) {
  const Index n = state.range(0);
  const auto a = random({n, n}, 1), b = random({n, n}, 2);
  Tensor<float> c(Shape{n, n});
  for (auto _ : state) {
    blas::sgemm(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  gflops(state, 2.0 * n * n * n);
}
BENCHMARK(BM_BlasDirectSgemm)->Arg(1024)->UseRealTime();

// The first layer of the MLP VAE: batch 128, 784 -> 400.
void BM_Linear(benchmark::State& state) {
  const auto x = random({128, 784}, 1), w = random({400, 784}, 2), b = random({400}, 3);
  for (auto _ : state) benchmark::DoNotOptimize(linear(x, w, b).data());
  gflops(state, 2.0 * 128 * 784 * 400);
}
BENCHMARK(BM_Linear)->UseRealTime();

// A first convolution on MNIST-sized images: 32 x 1 x 28 x 28, 32 filters of 3x3, same padding.
struct ConvSetup {
  Tensor<float> x = random({32, 1, 28, 28}, 1), w = random({32, 1, 3, 3}, 2), b = random({32}, 3);
  Conv2dParams p = [] {
    Conv2dParams q;
    q.padding = {1, 1};
    return q;
  }();
  Tensor<float> gy = random({32, 32, 28, 28}, 4);
  static constexpr double kFlops = 2.0 * 32 * 32 * 28 * 28 * 9;
};

void BM_Conv2d(benchmark::State& state) {
  const ConvSetup s;
  for (auto _ : state) benchmark::DoNotOptimize(conv2d(s.x, s.w, s.b, s.p).data());
  gflops(state, ConvSetup::kFlops);
}
BENCHMARK(BM_Conv2d)->UseRealTime();

void BM_Conv2dBackwardInput(benchmark::State& state) {
  const ConvSetup s;
  for (auto _ : state) benchmark::DoNotOptimize(conv2d_backward_input(s.gy, s.w, s.x.shape(), s.p).data());
  gflops(state, ConvSetup::kFlops);
}
BENCHMARK(BM_Conv2dBackwardInput)->UseRealTime();

void BM_Conv2dBackwardWeight(benchmark::State& state) {
  const ConvSetup s;
  for (auto _ : state) benchmark::DoNotOptimize(conv2d_backward_weight(s.gy, s.x, s.w.shape(), s.p).data());
  gflops(state, ConvSetup::kFlops);
}
BENCHMARK(BM_Conv2dBackwardWeight)->UseRealTime();

// A deeper layer, where each image's GEMM is big enough for threaded BLAS.
void BM_Conv2dDeep(benchmark::State& state) {
  const auto x = random({32, 32, 14, 14}, 1), w = random({64, 32, 3, 3}, 2), b = random({64}, 3);
  Conv2dParams p;
  p.padding = {1, 1};
  for (auto _ : state) benchmark::DoNotOptimize(conv2d(x, w, b, p).data());
  gflops(state, 2.0 * 32 * 64 * 14 * 14 * 32 * 9);
}
BENCHMARK(BM_Conv2dDeep)->UseRealTime();

void BM_Conv2dDeepBackwardWeight(benchmark::State& state) {
  const auto x = random({32, 32, 14, 14}, 1), gy = random({32, 64, 14, 14}, 2);
  Conv2dParams p;
  p.padding = {1, 1};
  for (auto _ : state) benchmark::DoNotOptimize(conv2d_backward_weight(gy, x, Shape{64, 32, 3, 3}, p).data());
  gflops(state, 2.0 * 32 * 64 * 14 * 14 * 32 * 9);
}
BENCHMARK(BM_Conv2dDeepBackwardWeight)->UseRealTime();

}  // namespace
