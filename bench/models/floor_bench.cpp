// The floor of each dense model step: the matrix products of its forward and backward
// pass, and its convolutions on the step's own paths (oneDNN's kernels alone, or
// im2col/col2im and GEMM), called back to back on buffers allocated once, through core's
// own GEMM path (bench/models/floor.hpp) at the thread count of the steps. floor time / step time says how much of a step is its
// products; the rest is anything else (elementwise work, allocation, graph building).
// bench/compare.sh prints it next to each step as BM_<Step>Floor.
//
// The products are the ones the step needs, in the shapes xgrad's layers use; per
// Linear (in -> out) at batch B, the forward (B, out, in), the weight gradient (out, in,
// B) and, unless its input is data, the input gradient (B, in, out).
#include <benchmark/benchmark.h>

#include <utility>
#include <vector>

#include "floor.hpp"
#include "xgrad/core/detail/gemm.hpp"

using xgrad::bench::Floor;
using xgrad::core::Index;
using namespace xgrad::bench;  // Products

namespace {

// multiply_adds: the step's, for its FLOP bound (bench/floor.sh).
void run_floor(benchmark::State& state, Floor floor) {
  floor.allocate();
  floor.run();
  for (auto _ : state) floor.run();
  state.counters["multiply_adds"] = floor.multiply_adds();
}

// The sgemm peak the FLOP bounds divide by: one 1024^3 product through core's GEMM path
// (run it at 1 thread for the per-thread peak); counter gflops, per CPU second.
void BM_SgemmPeak(benchmark::State& state) {
  const Index n = 1024;
  std::vector<float> a(n * n, 0.01f), b(n * n, 0.02f), c(n * n);
  for (auto _ : state)
    xgrad::core::detail::gemm(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
  state.counters["gflops"] = benchmark::Counter(2e-9 * n * n * n * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SgemmPeak)->Unit(benchmark::kMillisecond);

// Per Linear in -> out: the layers of BM_VaeMlpStep (784-400-20, two heads), batch 128.
void BM_VaeMlpStepFloor(benchmark::State& state) {
  Floor f;
  f.linear(128, 784, 400, kNoInputGrad), f.linear(128, 400, 20), f.linear(128, 400, 20);  // encoder, mean, log-variance
  f.linear(128, 20, 400), f.linear(128, 400, 784);                                        // decoder
  run_floor(state, std::move(f));
}
BENCHMARK(BM_VaeMlpStepFloor)->Unit(benchmark::kMillisecond);

// BM_CvaeStep: (784 + 10)-400-20, decoder (20 + 10)-400-784, the learned prior 10 -> 20 (x2).
// The first encoder and decoder Linears take the one-hot label as a column of their
// weight (autograd::linear_one_hot): their products run on x (784) and z (20) alone.
void BM_CvaeStepFloor(benchmark::State& state) {
  Floor f;
  f.linear(128, 784, 400, kNoInputGrad), f.linear(128, 400, 20), f.linear(128, 400, 20);
  f.linear(128, 20, 400), f.linear(128, 400, 784);
  f.linear(128, 10, 20, kNoInputGrad), f.linear(128, 10, 20, kNoInputGrad);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_CvaeStepFloor)->Unit(benchmark::kMillisecond);

// BM_AaeStep's three phases: reconstruction through encoder and decoder; the
// discriminator on prior draws and on the (detached) codes, encoded again; the generator
// through the frozen discriminator (input gradients only) back into the encoder.
void BM_AaeStepFloor(benchmark::State& state) {
  Floor f;
  const Index b = 128;
  const std::vector<Index> enc{784, 512, 512, 8}, dec{8, 512, 512, 784}, disc{8, 512, 512, 1};
  f.mlp(b, enc, kForward, kForward), f.mlp(b, dec, kAll, kAll), f.mlp(b, enc, kWeightGrad, kBackward);
  f.mlp(b, enc, kForward, kForward);
  for (int draws = 0; draws < 2; ++draws) f.mlp(b, disc, kNoInputGrad, kAll);
  f.mlp(b, disc, kForward | kInputGrad, kForward | kInputGrad), f.mlp(b, enc, kWeightGrad, kBackward);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_AaeStepFloor)->Unit(benchmark::kMillisecond);

// BM_ConvVaeStep (bench/models/floor_steps.cpp).
void BM_ConvVaeStepFloor(benchmark::State& state) { run_floor(state, conv_vae_step_floor()); }
BENCHMARK(BM_ConvVaeStepFloor)->Unit(benchmark::kMillisecond);

// BM_HvaeStep at its batch sizes (64, 128): ladder 784-512-512, 512-256, 256-128 with Gaussian heads to
// z 32, 16, 8 (two Linears each); prior nets z2 16-512, z3 8-256 with heads to 32 and 16;
// decoder (32 + 16 + 8)-512-512-784. Every input but the pixels needs its gradient.
void BM_HvaeStepFloor(benchmark::State& state) {
  Floor f;
  const Index b = state.range(0);
  const auto head = [&](Index in, Index z) { f.linear(b, in, z), f.linear(b, in, z); };
  f.mlp(b, {784, 512, 512}, kNoInputGrad, kAll), head(512, 32);
  f.linear(b, 512, 256), head(256, 16);
  f.linear(b, 256, 128), head(128, 8);
  f.linear(b, 16, 512), head(512, 32);
  f.linear(b, 8, 256), head(256, 16);
  f.mlp(b, {56, 512, 512, 784}, kAll, kAll);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_HvaeStepFloor)->ArgName("batch")->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);

// BM_VqVaeStep (bench/models/floor_steps.cpp).
void BM_VqVaeStepFloor(benchmark::State& state) { run_floor(state, vq_vae_step_floor()); }
BENCHMARK(BM_VqVaeStepFloor)->Unit(benchmark::kMillisecond);

// BM_TransformerEncoderLayerStep: d_model 128, 4 heads, feed-forward 512, batch 32 x seq
// 64; its input is data (no gradient for the in-projection's input).
void BM_TransformerEncoderLayerStepFloor(benchmark::State& state) {
  Floor f;
  f.transformer_layer(32, 64, 128, 4, 512, kNoInputGrad);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_TransformerEncoderLayerStepFloor)->Unit(benchmark::kMillisecond);

// BM_TransformerVaeTextStep, batch 32 x seq 64: two encoder layers (their input is the
// learned embedding: every gradient), the Gaussian head 128 -> 16 (x2) on the mean over
// positions, the code's projection 16 -> 128, two causal decoder layers, and the
// categorical head 128 -> 256 classes at every position.
void BM_TransformerVaeTextStepFloor(benchmark::State& state) {
  Floor f;
  const Index batch = 32, seq = 64, rows = batch * seq;
  for (int layer = 0; layer < 2; ++layer) f.transformer_layer(batch, seq, 128, 4, 512, kAll);
  f.linear(batch, 128, 16), f.linear(batch, 128, 16);
  f.linear(batch, 16, 128);
  for (int layer = 0; layer < 2; ++layer) f.transformer_layer(batch, seq, 128, 4, 512, kAll);
  f.linear(rows, 128, 256);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_TransformerVaeTextStepFloor)->Unit(benchmark::kMillisecond);

// The VRNN steps (bench/models/vrnn_bench.cpp), batch 32 x 64 steps, hidden h, latent 16.
// What runs once over the window (2048 rows): phi_x's second layer (and, for series, its
// first, on data), the prior h-h and its head h-16 (x2), the decoder 2h-h-h and the output
// head. What runs once per step (32 rows, 64 times in sequence): the encoder 2h-h-h and its
// head h-16 (x2), phi_z 16-h and the GRU's products in 2h -> 3h and h -> 3h. Text's first
// layer is an embedding lookup (no product). Every weight's gradient and every input
// gradient but the data's.
void vrnn_floor(Floor& f, Index h, Index out) {
  const Index batch = 32, steps = 64, rows = batch * steps, z = 16;
  f.linear(rows, h, h);                                                   // phi_x2
  f.linear(rows, h, h), f.linear(rows, h, z), f.linear(rows, h, z);       // prior, its head
  f.linear(rows, 2 * h, h), f.linear(rows, h, h), f.linear(rows, h, out);  // decoder, output head
  for (Index t = 0; t < steps; ++t) {
    f.linear(batch, 2 * h, h), f.linear(batch, h, h), f.linear(batch, h, z), f.linear(batch, h, z);
    f.linear(batch, z, h), f.linear(batch, 2 * h, 3 * h), f.linear(batch, h, 3 * h);
  }
}

// BM_VrnnSeriesStep: h 64, x_dim 1, the Gaussian output head's mean and log-variance 64 -> 1.
void BM_VrnnSeriesStepFloor(benchmark::State& state) {
  Floor f;
  f.linear(32 * 64, 1, 64, kNoInputGrad), f.linear(32 * 64, 64, 1);  // phi_x1 on the data; the second output Linear
  vrnn_floor(f, 64, 1);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_VrnnSeriesStepFloor)->Unit(benchmark::kMillisecond);

// BM_VrnnTextStep: h 128, the categorical head 128 -> 256 bytes.
void BM_VrnnTextStepFloor(benchmark::State& state) {
  Floor f;
  vrnn_floor(f, 128, 256);
  run_floor(state, std::move(f));
}
BENCHMARK(BM_VrnnTextStepFloor)->Unit(benchmark::kMillisecond);

}  // namespace
