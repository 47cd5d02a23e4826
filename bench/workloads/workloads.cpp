#include "workloads.hpp"

#include <cstdint>

#include "xgrad/autograd/ops_attention.hpp"
#include "xgrad/autograd/ops_elementwise.hpp"
#include "xgrad/autograd/ops_reduce.hpp"
#include "xgrad/core/memory.hpp"
#include "xgrad/models/vae.hpp"
#include "xgrad/models/vrnn.hpp"

namespace xgrad::bench {

namespace {

constexpr core::Index kTextBatch = 32;

// Times `call` after untimed calls, as the PyTorch twins do. The first call of a process takes
// its tensor blocks from the system (page faults on ~20 KiB per token for the text VRNN) and
// makes Adam's state, whose blocks the second call has to replace; a call slower than
// --benchmark_min_time is run once, so without the warm-up the largest sizes timed that first
// call alone (issue 20: the VRNN at L = 1024 looked 32 % dearer per token than at 256).
// The counter says whether the timed calls were warm (tests/check_bench_warm.py).
template <class Call>
void time_warm(benchmark::State& state, Call&& call) {
  for (int i = 0; i < 2; ++i) call();
  const std::uint64_t before = core::allocator_stats().system_allocations;
  for (auto _ : state) call();
  state.counters["system_allocations"] = static_cast<double>(core::allocator_stats().system_allocations - before);
}

void run_steps(benchmark::State& state, models::GenerativeModel& model, const nn::Batch& batch,
               core::Generator& gen) {
  models::Stepper stepper(model, gen);  // Adam 1e-3, built outside the timed loop
  time_warm(state, [&] { benchmark::DoNotOptimize(stepper.step(batch).loss); });
}

}  // namespace

nn::Batch random_images(core::Index rows, core::Generator& gen) {
  nn::Batch b{.x = core::uniform<float>({rows, 784}, 0.f, 1.f, gen), .y = {}, .labels = core::IndexTensor(core::Shape{rows})};
  for (core::Index i = 0; i < rows; ++i) b.labels.data()[i] = i % 10;
  return b;
}

// Its own generator, so the model's draws do not move the data.
core::IndexTensor printable_bytes(core::Index rows, core::Index cols) {
  core::IndexTensor ids({rows, cols});
  core::Generator data(1);
  const auto u = core::uniform<float>({rows, cols}, 32.f, 127.f, data);
  for (core::Index i = 0; i < ids.numel(); ++i) ids.data()[i] = static_cast<core::Index>(u.data()[i]);
  return ids;
}

void vae_mlp_step(benchmark::State& state, core::Index batch) {
  core::Generator gen(0);
  models::Vae vae(models::VaeOptions{}, gen);
  run_steps(state, vae, random_images(batch, gen), gen);
}

void vrnn_text_step(benchmark::State& state, core::Index steps) {
  core::Generator gen(0);
  models::Vrnn m({.likelihood = models::VrnnLikelihood::Categorical, .classes = 256, .hidden = 128, .latent = 16},
                 gen);
  // steps + 1 columns: the model reads labels[:, 1:] as the targets (models/sequence_input.hpp).
  const nn::Batch batch{{}, {}, printable_bytes(kTextBatch, steps + 1)};
  run_steps(state, m, batch, gen);
}

void attention_forward_backward(benchmark::State& state, core::Index seq, bool causal, bool save_probs) {
  core::Generator gen(0);
  const core::Shape s{32, 4, seq, 32};
  nn::Var q(core::normal<float>(s, 0.f, 1.f, gen), true), k(core::normal<float>(s, 0.f, 1.f, gen), true),
      v(core::normal<float>(s, 0.f, 1.f, gen), true);
  const nn::Var w(core::normal<float>(s, 0.f, 1.f, gen));
  autograd::AttentionConfig<float> cfg;
  cfg.causal = causal;
  cfg.save = save_probs ? autograd::AttentionSave::Probs : autograd::AttentionSave::LogSumExp;
  time_warm(state, [&] {
    autograd::sum(autograd::scaled_dot_product_attention(q, k, v, cfg) * w).backward();
    q.zero_grad(), k.zero_grad(), v.zero_grad();
  });
}

void memory_counters(benchmark::State& state) {
  const auto a = core::allocator_stats();
  state.counters["peak_live_MiB"] = static_cast<double>(a.peak_live_bytes) / (1 << 20);
  state.counters["held_MiB"] = static_cast<double>(a.live_bytes + a.cached_bytes) / (1 << 20);
}

}  // namespace xgrad::bench
