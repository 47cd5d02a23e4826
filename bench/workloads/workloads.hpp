// The timed loops of the model benchmarks whose size the scaling table varies, shared by
// xgrad_bench_models (their fixed sizes, under their historical names) and
// xgrad_bench_scaling (the same loops over a range of sizes), so both time the same work.
// Each times its calls after two untimed ones, as the PyTorch twins warm up, and reports the
// tensor blocks the timed calls took from the system as the counter `system_allocations`.
#pragma once

#include <benchmark/benchmark.h>

#include "xgrad/core/random.hpp"
#include "xgrad/nn/data/dataset.hpp"

namespace xgrad::bench {

/// `rows` random images of 784 pixels in [0, 1] drawn from `gen`, labels i % 10.
nn::Batch random_images(core::Index rows, core::Generator& gen);

/// (rows, cols) bytes in [32, 127), always the same: drawn from their own generator.
core::IndexTensor printable_bytes(core::Index rows, core::Index cols);

/// Where a step's memory goes (bench/peak_memory.sh), as counters: peak_live_MiB, the
/// most tensor bytes live at once so far in the process, and held_MiB, the bytes the
/// allocator holds from the system now (live + cached in its free lists).
void memory_counters(benchmark::State& state);

/// One MLP VAE step (784-400-20, Adam 1e-3) on `batch` random images in [0, 1].
void vae_mlp_step(benchmark::State& state, core::Index batch);

/// One text VRNN step (GRU h=128, z=16, 256 byte classes, Adam 1e-3), batch 32 x `steps` bytes.
void vrnn_text_step(benchmark::State& state, core::Index steps);

/// Fused attention forward + backward on q, k, v (32, 4, seq, 32), loss sum(y * w).
void attention_forward_backward(benchmark::State& state, core::Index seq, bool causal, bool save_probs);

}  // namespace xgrad::bench
