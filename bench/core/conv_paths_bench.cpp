// The two float convolution paths side by side on the layer shapes of the conv-VAE and
// the VQ-VAE (batch 128): im2col + GEMM (core/conv_im2col.cpp) against oneDNN's direct
// kernels (core/conv_dnnl.cpp), for the forward pass and both gradients.
// BM_ConvPath/<layer>/<op>/<path>/<threads>; run with --benchmark_enable_random_interleaving
// so the two paths alternate (bench/results/conv-kernels-2026-12-04.md).
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <string>

#include "xgrad/core/detail/conv_dnnl.hpp"
#include "xgrad/core/detail/conv_im2col.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/tensor.hpp"
#include "threads.hpp"

using namespace xgrad::core;
using detail::ConvShape;

namespace {

struct Layer {
  const char* name;
  Index c, side, o, k, stride, pad;
};

// conv-VAE: enc1, enc2 (and, as their adjoints, the two transposed convolutions of the
// decoder). VQ-VAE: the same two, then at 7 x 7 the residual blocks' 3x3 and 1x1, the
// encoder's 1x1 projection and the decoder's first 3x3.
constexpr Layer kLayers[] = {
    {"enc1_1x28_to_32_k4s2", 1, 28, 32, 4, 2, 1},  {"enc2_32x14_to_64_k4s2", 32, 14, 64, 4, 2, 1},
    {"res3_64x7_to_32_k3", 64, 7, 32, 3, 1, 1},    {"res1_32x7_to_64_k1", 32, 7, 64, 1, 1, 0},
    {"proj_64x7_to_64_k1", 64, 7, 64, 1, 1, 0},    {"dec3_64x7_to_64_k3", 64, 7, 64, 3, 1, 1},
};
constexpr Index kBatch = 128;

ConvShape shape(const Layer& l) {
  const Index out = (l.side + 2 * l.pad - l.k) / l.stride + 1;
  return {kBatch, l.o, {l.c, l.side, l.side, l.k, l.k, out, out, l.stride, l.stride, l.pad, l.pad, 1, 1}};
}

Tensor<float> random(Index n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Tensor<float> t(Shape{n});
  for (float& v : t) v = u(gen);
  return t;
}

enum class Op { forward, backward_input, backward_weight };
const char* kOps[] = {"forward", "backward_input", "backward_weight"};

// One call of a path; false when oneDNN has no kernel for the shape.
bool run(Op op, bool onednn, const ConvShape& s, const float* x, const float* w, const float* b, float* y,
         const float* gy, float* gx, float* gw) {
  switch (op) {
    case Op::forward:
      if (onednn) return detail::dnnl_conv2d(x, w, b, y, s);
      detail::im2col_conv2d(x, w, b, y, s);
      return true;
    case Op::backward_input:
      if (onednn) return detail::dnnl_conv2d_backward_input(gy, w, gx, s);
      detail::im2col_conv2d_backward_input(gy, w, gx, s);
      return true;
    case Op::backward_weight:
      if (onednn) return detail::dnnl_conv2d_backward_weight(gy, x, gw, s);
      detail::im2col_conv2d_backward_weight(gy, x, gw, s);
      return true;
  }
  return false;
}

void BM_ConvPath(benchmark::State& state, Layer l, Op op, bool onednn) {
  set_num_threads(static_cast<int>(state.range(0)));
  const ConvShape s = shape(l);
  const Index xs = s.n * s.g.c * s.g.plane(), ws = s.o * s.g.rows(), ys = s.n * s.o * s.g.cols();
  const auto x = random(xs, 1), w = random(ws, 2), b = random(s.o, 3), gy = random(ys, 4);
  Tensor<float> y(Shape{ys}), gx(Shape{xs}), gw(Shape{ws});
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (auto _ : state) {
    if (!run(op, onednn, s, x.data(), w.data(), b.data(), y.data(), gy.data(), gx.data(), gw.data())) {
      state.SkipWithError("oneDNN has no kernel for this shape");
      break;
    }
    benchmark::ClobberMemory();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double flops = 2.0 * static_cast<double>(s.n * s.o * s.g.rows() * s.g.cols());
  state.counters["GFLOP/s"] = flops * 1e-9 * static_cast<double>(state.iterations()) / seconds;
  set_num_threads(xgrad::bench::threads_from_env());
}

const bool registered = [] {
  for (const Layer& l : kLayers)
    for (int op = 0; op < 3; ++op)
      for (bool onednn : {false, true}) {
        const std::string name =
            std::string("BM_ConvPath/") + l.name + "/" + kOps[op] + "/" + (onednn ? "onednn" : "im2col");
        benchmark::RegisterBenchmark(name.c_str(), BM_ConvPath, l, static_cast<Op>(op), onednn)
            ->Arg(1)
            ->Arg(2)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
      }
  return true;
}();

}  // namespace
