// Matrix products and convolution. BM_BlasDirectSgemm is the reference: OpenBLAS
// called on preallocated buffers, the best a product through xgrad can do.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>

#include "xgrad/core/blas.hpp"
#include "xgrad/core/conv.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/layer_norm.hpp"
#include "xgrad/core/linalg.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "threads.hpp"

using namespace xgrad::core;

namespace {

Tensor<float> random(const Shape& s, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Tensor<float> t(s);
  for (float& v : t) v = u(gen);
  return t;
}

// GFLOP/s over wall-clock time. (UseRealTime() would do this but appends
// "/real_time" to the names, which must stay BM_Sgemm/<n> to compare over time.)
using Clock = std::chrono::steady_clock;
void gflops(benchmark::State& state, double flops_per_iteration, Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  state.counters["GFLOP/s"] = flops_per_iteration * 1e-9 * static_cast<double>(state.iterations()) / seconds;
}

void BM_Sgemm(benchmark::State& state) {
  const Index n = state.range(0);
  const auto a = random({n, n}, 1), b = random({n, n}, 2);
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(matmul(a, b).data());
  gflops(state, 2.0 * n * n * n, start);
}
BENCHMARK(BM_Sgemm)->Arg(128)->Arg(256)->Arg(512)->Arg(1024);

void BM_BlasDirectSgemm(benchmark::State& state) {
  const Index n = state.range(0);
  const auto a = random({n, n}, 1), b = random({n, n}, 2);
  Tensor<float> c(Shape{n, n});
  // The reference is OpenBLAS threading itself, with as many threads as xgrad uses
  // (xgrad keeps OpenBLAS at one thread and splits products over TBB).
  blas::set_num_threads(num_threads());
  const auto start = Clock::now();
  for (auto _ : state) {
    blas::sgemm(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  gflops(state, 2.0 * n * n * n, start);
  blas::set_num_threads(1);
}
BENCHMARK(BM_BlasDirectSgemm)->Arg(1024);

// The first layer of the MLP VAE: batch 128, 784 -> 400.
void BM_Linear(benchmark::State& state) {
  const auto x = random({128, 784}, 1), w = random({400, 784}, 2), b = random({400}, 3);
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(linear(x, w, b).data());
  gflops(state, 2.0 * 128 * 784 * 400, start);
}
BENCHMARK(BM_Linear);

// Where a linear layer's bias goes, at the Transformer VAE's feed-forward and in-projection
// shapes (2048 rows, 128 -> 512, 512 -> 128 and 128 -> 384): /0 is core::linear (since
// session 23 oneDNN's matmul adding the bias in its epilogue; before, the output seeded with
// the bias for sgemm's beta = 1), /1 multiplies (beta = 0) and adds the bias in a pass of its
// own, /2 leaves the bias out (the most any placement of the bias could save), /3 also
// leaves it out but multiplies nn against a transposed copy of the weight (OpenBLAS packs
// nt operands with slower copies), /4 is core::linear_onto (bias and residual).
void BM_LinearBiasPlacement(benchmark::State& state) {
  const Index in = state.range(1), out = state.range(2);
  const auto x = random({2048, in}, 1), w = random({out, in}, 2), b = random({out}, 3);
  const auto residual = random({2048, out}, 4);
  const auto start = Clock::now();
  for (auto _ : state) {
    Tensor<float> y;
    if (state.range(0) == 0) y = linear(x, w, b);
    if (state.range(0) == 1) y = matmul(x, w, Trans::No, Trans::Yes), add_(y, b);
    if (state.range(0) == 2) y = matmul(x, w, Trans::No, Trans::Yes);
    if (state.range(0) == 3) y = matmul(x, transpose(w));
    if (state.range(0) == 4) y = linear_onto(residual, x, w, b);
    benchmark::DoNotOptimize(y.data());
  }
  gflops(state, 2.0 * 2048 * in * out, start);
}
BENCHMARK(BM_LinearBiasPlacement)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {128}, {512}})
    ->ArgsProduct({{0, 1, 2, 3, 4}, {512}, {128}})
    ->ArgsProduct({{0, 2, 4}, {128}, {384}});

// The GELU slope applied to a Linear's output gradient with its bias gradient summed in the
// same pass (core::mul_and_grad_bias_), at the Transformer VAE's feed-forward shapes (2048
// rows of 512, and of 128 for linear_grad_bias_'s shape), on 1 and 2 threads (third argument).
// The slope is 1 so that the gradient neither shrinks to subnormals nor grows over the runs.
void BM_MulAndGradBias(benchmark::State& state) {
  const Index rows = state.range(0), out = state.range(1);
  set_num_threads(static_cast<int>(state.range(2)));
  auto gy = random({rows, out}, 1);
  const auto slope = Tensor<float>::ones({rows, out});
  Tensor<float> gb(Shape{out});
  for (auto _ : state) {
    mul_and_grad_bias_(gy, slope, gb, 1.f);
    benchmark::DoNotOptimize(gb.data());
  }
  set_num_threads(xgrad::bench::threads_from_env());
}
BENCHMARK(BM_MulAndGradBias)->ArgsProduct({{2048}, {512, 128}, {1, 2}})->UseRealTime();

// Layer norm's forward (y and the row statistics) at the Transformer VAE's shape, 2048
// rows of 128, on 1 and 2 threads (second argument).
void BM_LayerNormForward(benchmark::State& state) {
  const Index rows = state.range(0), n = 128;
  set_num_threads(static_cast<int>(state.range(1)));
  const auto x = random({rows, n}, 1), w = random({n}, 2), b = random({n}, 3);
  LayerNormStats<float> stats;
  for (auto _ : state) benchmark::DoNotOptimize(layer_norm_forward(x, w, b, n, 1e-5f, stats).data());
  set_num_threads(xgrad::bench::threads_from_env());
}
BENCHMARK(BM_LayerNormForward)->ArgsProduct({{2048}, {1, 2}})->UseRealTime();

// Layer norm's backward (dx, dw, db) at the Transformer VAE's shape, 2048 rows of 128, dx
// written (second argument 0) or added into (1), on 1 and 2 threads (third argument).
void BM_LayerNormBackward(benchmark::State& state) {
  const Index rows = state.range(0), n = 128;
  const bool add_dx = state.range(1) != 0;
  set_num_threads(static_cast<int>(state.range(2)));
  const auto x = random({rows, n}, 1), w = random({n}, 2), b = random({n}, 3), gy = random({rows, n}, 4);
  LayerNormStats<float> stats;
  layer_norm_forward(x, w, b, n, 1e-5f, stats);
  Tensor<float> dx = Tensor<float>::zeros({rows, n}), dw(Shape{n}), db(Shape{n});
  for (auto _ : state) {
    layer_norm_backward(gy, x, w, n, stats, &dx, add_dx, &dw, false, &db, false);
    benchmark::DoNotOptimize(dx.data());
  }
  set_num_threads(xgrad::bench::threads_from_env());
}
BENCHMARK(BM_LayerNormBackward)->ArgsProduct({{2048}, {0, 1}, {1, 2}})->UseRealTime();

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
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(conv2d(s.x, s.w, s.b, s.p).data());
  gflops(state, ConvSetup::kFlops, start);
}
BENCHMARK(BM_Conv2d);

void BM_Conv2dBackwardInput(benchmark::State& state) {
  const ConvSetup s;
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(conv2d_backward_input(s.gy, s.w, s.x.shape(), s.p).data());
  gflops(state, ConvSetup::kFlops, start);
}
BENCHMARK(BM_Conv2dBackwardInput);

void BM_Conv2dBackwardWeight(benchmark::State& state) {
  const ConvSetup s;
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(conv2d_backward_weight(s.gy, s.x, s.w.shape(), s.p).data());
  gflops(state, ConvSetup::kFlops, start);
}
BENCHMARK(BM_Conv2dBackwardWeight);

// A deeper layer, where each image's GEMM is big enough for threaded BLAS.
void BM_Conv2dDeep(benchmark::State& state) {
  const auto x = random({32, 32, 14, 14}, 1), w = random({64, 32, 3, 3}, 2), b = random({64}, 3);
  Conv2dParams p;
  p.padding = {1, 1};
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(conv2d(x, w, b, p).data());
  gflops(state, 2.0 * 32 * 64 * 14 * 14 * 32 * 9, start);
}
BENCHMARK(BM_Conv2dDeep);

void BM_Conv2dDeepBackwardWeight(benchmark::State& state) {
  const auto x = random({32, 32, 14, 14}, 1), gy = random({32, 64, 14, 14}, 2);
  Conv2dParams p;
  p.padding = {1, 1};
  const auto start = Clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(conv2d_backward_weight(gy, x, Shape{64, 32, 3, 3}, p).data());
  gflops(state, 2.0 * 32 * 64 * 14 * 14 * 32 * 9, start);
}
BENCHMARK(BM_Conv2dDeepBackwardWeight);

}  // namespace
