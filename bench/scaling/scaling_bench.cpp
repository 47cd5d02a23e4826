// How a step's cost grows with its work (issue 20): the model benchmarks of
// bench/models at several sizes, for bench/scaling.sh. Kept apart from
// xgrad_bench_models so that compare.sh and `make bench` time what they always did.
// The PyTorch twins are bench/pytorch/scaling.py, which reads the size from the name.
#include <benchmark/benchmark.h>

#include "workloads/workloads.hpp"

namespace {

using namespace xgrad::bench;

// Batch rows; the size of BM_VaeMlpStep is 128.
void BM_VaeMlpStepScaling(benchmark::State& state) { vae_mlp_step(state, state.range(0)); }
BENCHMARK(BM_VaeMlpStepScaling)->Arg(32)->Arg(128)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);

// Sequence length at batch 32; BM_VrnnTextStep's is 64.
void BM_VrnnTextStepScaling(benchmark::State& state) { vrnn_text_step(state, state.range(0)); }
BENCHMARK(BM_VrnnTextStepScaling)->Arg(32)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

// Sequence length at batch 32 x 4 heads; not causal, P kept (the defaults);
// BM_AttentionForwardBackward/causal:0/save_probs:1 is 256.
void BM_AttentionForwardBackwardScaling(benchmark::State& state) {
  attention_forward_backward(state, state.range(0), false, true);
}
BENCHMARK(BM_AttentionForwardBackwardScaling)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

}  // namespace
