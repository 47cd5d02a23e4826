// Transformer workloads: one TransformerEncoderLayer training step, the fused
// attention's forward+backward at sequence length 256, and one Transformer VAE step on text. The PyTorch side is
// bench/pytorch/transformer.py (same shapes, threads, loss and optimizer).
#include <benchmark/benchmark.h>

#include "xgrad/autograd/ops_attention.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/random.hpp"
#include "xgrad/models/transformer_vae.hpp"
#include "xgrad/nn/layers/transformer.hpp"
#include "xgrad/nn/optim/adam.hpp"

#include "workloads/workloads.hpp"

using namespace xgrad;

namespace {

// d_model 128, 4 heads, feed-forward 512, post-norm ReLU, dropout 0.1 (PyTorch's defaults),
// batch 32 x seq 64; loss sum(y * w); Adam 1e-3.
void BM_TransformerEncoderLayerStep(benchmark::State& state) {
  core::Generator gen(0);
  nn::TransformerEncoderLayer layer({.d_model = 128, .nhead = 4, .dim_feedforward = 512, .dropout = 0.1f}, gen);
  const nn::Var x(core::normal<float>({32, 64, 128}, 0.f, 1.f, gen));
  const nn::Var w(core::normal<float>({32, 64, 128}, 0.f, 1.f, gen));
  nn::Adam adam(layer.parameters(), {.lr = 1e-3});
  for (auto _ : state) {
    adam.zero_grad();
    autograd::sum(layer.forward(x) * w).backward();
    adam.step();
  }
}
BENCHMARK(BM_TransformerEncoderLayerStep)->Unit(benchmark::kMillisecond);

// q, k, v (32, 4, 256, 32): batch 32 of d_model 128 in 4 heads at seq 256; loss sum(y * w).
// Arguments: causal (0/1), what the backward keeps (0: log-sum-exps, P recomputed; 1: P).
// Other sequence lengths: BM_AttentionForwardBackwardScaling.
void BM_AttentionForwardBackward(benchmark::State& state) {
  bench::attention_forward_backward(state, 256, state.range(0) != 0, state.range(1) != 0);
}
BENCHMARK(BM_AttentionForwardBackward)
    ->ArgNames({"causal", "save_probs"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond);

// The Transformer VAE's self-attention alone: the packed in-projection qkv (32, 64, 3 x 128)
// read as 4 heads in place, P kept, loss sum(y * w); causal (1) as its decoder, or not (0) as
// its encoder.
void BM_PackedAttentionVaeShape(benchmark::State& state) {
  core::Generator gen(0);
  nn::Var qkv(core::normal<float>({32, 64, 384}, 0.f, 1.f, gen), true);
  const nn::Var w(core::normal<float>({32, 64, 128}, 0.f, 1.f, gen));
  autograd::AttentionConfig<float> cfg;
  cfg.causal = state.range(0) != 0;
  for (auto _ : state) {
    autograd::sum(autograd::packed_self_attention(qkv, 4, cfg) * w).backward();
    qkv.zero_grad();
  }
}
BENCHMARK(BM_PackedAttentionVaeShape)->ArgName("causal")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The text transformer-vae of `xgrad text train --model transformer-vae` (d_model 128, 4 heads,
// feed-forward 512, 2 encoder + 2 decoder layers, pre-norm GELU, no dropout, z = 16 added),
// bytes in [32, 127), batch 32 x seq 64; the ELBO; Adam 1e-3.
void BM_TransformerVaeTextStep(benchmark::State& state) {
  core::Generator gen(0);
  models::TransformerVae m({.decoder = {.likelihood = models::VrnnLikelihood::Categorical, .classes = 256, .d_model = 128,
                                        .heads = 4, .layers = 2, .feedforward = 512, .dropout = 0.f, .context = 64},
                            .latent = 16},
                           gen);
  const nn::Batch batch{{}, {}, bench::printable_bytes(32, 65)};
  models::Stepper stepper(m, gen);  // Adam 1e-3, built outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(stepper.step(batch).loss);
}
BENCHMARK(BM_TransformerVaeTextStep)->Unit(benchmark::kMillisecond);

}  // namespace
