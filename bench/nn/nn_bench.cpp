// Layer forward+backward steps, each with the loss sum(output), parameters zeroed
// after every step. Compare with bench/pytorch/nn_layers.py (same shapes, threads).
#include <benchmark/benchmark.h>

#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/nn/layers/conv.hpp"
#include "xgrad/nn/layers/linear.hpp"
#include "xgrad/nn/layers/rnn_cell.hpp"

using namespace xgrad;

namespace {

// 784 -> 400, batch 128: the first layer of the MLP VAE.
void BM_LinearForwardBackward(benchmark::State& state) {
  core::Generator gen(0);
  auto fc = nn::make<nn::Linear>(nn::LinearOptions{.in = 784, .out = 400}, gen);
  const nn::Var x(core::uniform<float>({128, 784}, 0.f, 1.f, gen));
  for (auto _ : state) {
    autograd::sum(fc->forward(x)).backward();
    fc->zero_grad();
  }
}
BENCHMARK(BM_LinearForwardBackward)->Unit(benchmark::kMicrosecond);

// One GRU step, input 64, hidden 128, batch 32 (the VRNN's recurrence).
void BM_GRUCellForwardBackward(benchmark::State& state) {
  core::Generator gen(0);
  auto cell = nn::make<nn::GRUCell>(nn::RNNCellOptions{.in = 64, .hidden = 128}, gen);
  const nn::Var x(core::normal<float>({32, 64}, 0.f, 1.f, gen));
  const nn::Var h(core::normal<float>({32, 128}, 0.f, 1.f, gen));
  for (auto _ : state) {
    autograd::sum(cell->forward(x, h)).backward();
    cell->zero_grad();
  }
}
BENCHMARK(BM_GRUCellForwardBackward)->Unit(benchmark::kMicrosecond);

// 1 -> 32 channels, 3x3, on a batch of 32 MNIST-sized images.
void BM_Conv2dForwardBackward(benchmark::State& state) {
  core::Generator gen(0);
  auto conv = nn::make<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 32, .kernel = {3, 3}}, gen);
  const nn::Var x(core::uniform<float>({32, 1, 28, 28}, 0.f, 1.f, gen));
  for (auto _ : state) {
    autograd::sum(conv->forward(x)).backward();
    conv->zero_grad();
  }
}
BENCHMARK(BM_Conv2dForwardBackward)->Unit(benchmark::kMicrosecond);

// BM_AdamStep1M lives with the other optimizer steps in optim_bench.cpp.

}  // namespace
