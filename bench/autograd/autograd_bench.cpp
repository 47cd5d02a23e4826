// Per-op overhead of the autograd engine, and an MLP forward+backward.
// Compare with bench/pytorch/autograd_overhead.py (same shapes, same threads).
#include <benchmark/benchmark.h>

#include "xgrad/autograd/autograd.hpp"
#include "xgrad/core/random.hpp"

using namespace xgrad;
using autograd::Variable;
using core::Shape;
using core::Tensor;

namespace {

constexpr int kChain = 1000;

// 1000 chained adds of 16x16 tensors with recording on; time is per chain.
void BM_AddChain16_Forward(benchmark::State& state) {
  Variable<float> x(Tensor<float>::ones(Shape{16, 16}), true);
  Variable<float> b(Tensor<float>::full(Shape{16, 16}, 0.5f), false);
  for (auto _ : state) {
    Variable<float> y = x;
    for (int i = 0; i < kChain; ++i) y = y + b;
    benchmark::DoNotOptimize(y.value().data());
  }
  state.counters["us_per_op"] =
      benchmark::Counter(static_cast<double>(kChain) * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                                                 benchmark::Counter::kInvert);
}
BENCHMARK(BM_AddChain16_Forward)->Unit(benchmark::kMicrosecond);

void BM_AddChain16_ForwardBackward(benchmark::State& state) {
  Variable<float> x(Tensor<float>::ones(Shape{16, 16}), true);
  Variable<float> b(Tensor<float>::full(Shape{16, 16}, 0.5f), false);
  Tensor<float> seed = Tensor<float>::ones(Shape{16, 16});
  for (auto _ : state) {
    Variable<float> y = x;
    for (int i = 0; i < kChain; ++i) y = y + b;
    y.backward(seed);
    x.zero_grad();
  }
  state.counters["us_per_op"] =
      benchmark::Counter(static_cast<double>(kChain) * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                                                 benchmark::Counter::kInvert);
}
BENCHMARK(BM_AddChain16_ForwardBackward)->Unit(benchmark::kMicrosecond);

// 784-400-20 MLP (ReLU), batch 128, sum of outputs as the loss.
void BM_Mlp_ForwardBackward(benchmark::State& state) {
  core::Generator gen(0);
  Variable<float> x(core::uniform<float>(Shape{128, 784}, 0.f, 1.f, gen), false);
  Variable<float> w1(core::uniform<float>(Shape{400, 784}, -0.05f, 0.05f, gen), true);
  Variable<float> b1(core::uniform<float>(Shape{400}, -0.05f, 0.05f, gen), true);
  Variable<float> w2(core::uniform<float>(Shape{20, 400}, -0.05f, 0.05f, gen), true);
  Variable<float> b2(core::uniform<float>(Shape{20}, -0.05f, 0.05f, gen), true);
  for (auto _ : state) {
    auto h = autograd::relu(autograd::linear(x, w1, b1));
    auto y = autograd::sum(autograd::linear(h, w2, b2));
    y.backward();
    for (auto* p : {&w1, &b1, &w2, &b2}) p->zero_grad();
  }
}
BENCHMARK(BM_Mlp_ForwardBackward)->Unit(benchmark::kMicrosecond);

}  // namespace
