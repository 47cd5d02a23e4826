// OpenBLAS's sgemm against oneDNN's on the models' product shapes, each cut into at most
// 8 blocks by detail::gemm_in_blocks, on one thread (the comparison that chose
// detail::runs_on_onednn; XGRAD_BENCH_THREADS=2 runs the blocks on two). The _b<N>
// variants cut into at most N blocks instead (what chose onednn_max_blocks).
// Names: BM_GemmKernel/<layer>_<product>_<m>x<n>x<k>/<kernel>[_b<N>].
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/parallel.hpp"
#include "xgrad/core/tensor.hpp"
#include "threads.hpp"

using namespace xgrad::core;

namespace {

// One product of a Linear layer with `rows` inputs of width `in` and `out` outputs, as
// core/linalg.cpp runs it: forward y = x w^T + y (the output seeded with the bias, beta 1),
// weight gradient gy^T x, input gradient gy w.
struct Product {
  std::string name;
  bool ta, tb;
  Index m, n, k;
  float beta;
};

std::vector<Product> linear_products(const std::string& layer, Index rows, Index in, Index out) {
  const auto dims = [](Index m, Index n, Index k) {
    return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  };
  return {{layer + "_forward_" + dims(rows, out, in), false, true, rows, out, in, 1.f},
          {layer + "_wgrad_" + dims(out, in, rows), true, false, out, in, rows, 0.f},
          {layer + "_xgrad_" + dims(rows, in, out), false, false, rows, in, out, 0.f}};
}

std::vector<Product> model_products() {
  std::vector<Product> all;
  const auto add = [&](const std::vector<Product>& p) { all.insert(all.end(), p.begin(), p.end()); };
  // MLP VAE 784-400-20 at batch 128 (the CVAE and AAE have the same kinds of layers).
  add(linear_products("vae_enc1", 128, 784, 400));
  add(linear_products("vae_heads", 128, 400, 40));
  add(linear_products("vae_dec1", 128, 20, 400));
  add(linear_products("vae_dec2", 128, 400, 784));
  // The AAE's 784-512-512-8 encoder (and its mirror decoder) and 8-512-512-1 discriminator.
  add(linear_products("aae_hidden", 128, 512, 512));
  add(linear_products("aae_from_code", 128, 8, 512));
  // The Transformers: batch 32 x seq 64 = 2048 rows, d_model 128, feed-forward 512, 256 classes.
  add(linear_products("tf_in_proj", 2048, 128, 384));
  add(linear_products("tf_out_proj", 2048, 128, 128));
  add(linear_products("tf_ff1", 2048, 128, 512));
  add(linear_products("tf_ff2", 2048, 512, 128));
  add(linear_products("tf_logits", 2048, 128, 256));
  // The hierarchical VAE's ladder and decoder (batch 128) beyond the shapes above: its
  // Gaussian heads (two Linears each, to 32, 16, 8) and prior nets.
  add(linear_products("hvae_up1", 128, 784, 512));
  add(linear_products("hvae_up2", 128, 512, 256));
  add(linear_products("hvae_up3", 128, 256, 128));
  add(linear_products("hvae_head1", 128, 512, 32));
  add(linear_products("hvae_head2", 128, 256, 16));
  add(linear_products("hvae_head3", 128, 128, 8));
  add(linear_products("hvae_down1", 128, 16, 512));
  add(linear_products("hvae_down2", 128, 8, 256));
  add(linear_products("hvae_dec1", 128, 56, 512));
  add(linear_products("hvae_dec3", 128, 512, 784));
  return all;
}

Tensor<float> random(Index size, unsigned seed) {  // aligned as the models' tensors are
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Tensor<float> t(Shape{size});
  for (float& x : t) x = u(gen);
  return t;
}

template <class Kernel>
void run(benchmark::State& state, const Product& p, Kernel kernel, Index max_blocks = 8) {
  // op(A) is (m, k), op(B) is (k, n), both stored row-major without padding.
  const Index lda = p.ta ? p.m : p.k, ldb = p.tb ? p.k : p.n;
  const auto a = random(p.m * p.k, 1), b = random(p.k * p.n, 2);
  const char* threads = std::getenv("XGRAD_BENCH_THREADS");
  set_num_threads(threads ? std::atoi(threads) : 1);
  Tensor<float> c = random(p.m * p.n, 3);
  for (auto _ : state) {
    detail::gemm_in_blocks(kernel, p.ta, p.tb, p.m, p.n, p.k, 1.f, a.data(), lda, b.data(), ldb, p.beta, c.data(), p.n,
                           max_blocks);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * p.m * p.n * p.k, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["onednn_routed"] = detail::runs_on_onednn(p.m, p.n, p.k) ? 1 : 0;
  set_num_threads(xgrad::bench::threads_from_env());
}

const bool registered = [] {
  for (const Product& p : model_products()) {
    benchmark::RegisterBenchmark(("BM_GemmKernel/" + p.name + "/openblas").c_str(),
                                 [p](benchmark::State& s) { run(s, p, detail::blas_gemm<float>); });
    benchmark::RegisterBenchmark(("BM_GemmKernel/" + p.name + "/onednn").c_str(),
                                 [p](benchmark::State& s) { run(s, p, detail::onednn_sgemm); });
    for (Index mb : {1, 2, 4}) {
      benchmark::RegisterBenchmark(("BM_GemmKernel/" + p.name + "/openblas_b" + std::to_string(mb)).c_str(),
                                   [p, mb](benchmark::State& s) { run(s, p, detail::blas_gemm<float>, mb); });
      benchmark::RegisterBenchmark(("BM_GemmKernel/" + p.name + "/onednn_b" + std::to_string(mb)).c_str(),
                                   [p, mb](benchmark::State& s) { run(s, p, detail::onednn_sgemm, mb); });
    }
  }
  return true;
}();

}  // namespace
