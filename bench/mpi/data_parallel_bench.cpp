// What data-parallel training costs per step: one VAE step (784-400-20, global batch
// 128, so 64 rows a rank with 2 ranks) through the trainer, with the gradients reduced
// in buckets of each size, or one all-reduce per tensor (bucket 0). Run under mpirun:
//   mpirun -np 2 --oversubscribe --mca btl tcp,self build/bin/xgrad_bench_mpi
// Counters: allreduce_ms (time inside the gradient all-reduces per step), allreduce_share
// (of the step's wall time), MB_per_step (gradient bytes each rank sends into the
// reduction), calls_per_step. Iterations are fixed: every rank must run the same steps.
#include <benchmark/benchmark.h>

#include <chrono>

#include "xgrad/models/vae.hpp"
#include "xgrad/nn/data/dataloader.hpp"
#include "xgrad/nn/distributed/communicator.hpp"
#include "xgrad/nn/distributed/mpi/mpi_communicator.hpp"
#include "xgrad/nn/train/trainer.hpp"

using namespace xgrad;

namespace {

constexpr core::Index kBatch = 128;

void BM_VaeStepDataParallel(benchmark::State& state) {
  auto& world = nn::distributed::world();
  core::Generator gen(0);
  models::Vae vae(models::VaeOptions{}, gen);
  const core::Index rows = nn::shard_rows(kBatch, world.rank(), world.size()).rows;
  const nn::Batch batch{.x = core::uniform<float>({rows, 784}, 0.f, 1.f, gen), .y = {}, .labels = {}};
  nn::Trainer trainer(vae, gen, nullptr,
                      {.batch_size = kBatch, .comm = &world,
                       .data_parallel = {.bucket_bytes = static_cast<std::size_t>(state.range(0)) << 10}});
  trainer.step(batch);  // warm-up: buffers and connections
  const double before = trainer.data_parallel() ? trainer.data_parallel()->stats().seconds : 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) trainer.step(batch);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto steps = static_cast<double>(state.iterations());
  if (const auto* dp = trainer.data_parallel()) {
    const double reduce = dp->stats().seconds - before;
    state.counters["allreduce_ms"] = reduce / steps * 1e3;
    state.counters["allreduce_share"] = reduce / wall;
    state.counters["MB_per_step"] = static_cast<double>(dp->stats().bytes) / static_cast<double>(dp->stats().reductions) / 1e6;
    state.counters["calls_per_step"] = static_cast<double>(dp->stats().calls) / static_cast<double>(dp->stats().reductions);
  }
  state.counters["ranks"] = world.size();
}
// KiB per bucket: 0 = one all-reduce per parameter tensor (the VAE has 10).
BENCHMARK(BM_VaeStepDataParallel)->Arg(0)->Arg(256)->Arg(1024)->Arg(4096)->Iterations(200)->Unit(benchmark::kMillisecond);

}  // namespace

/// The other ranks run the same benchmarks in step and say nothing.
struct Quiet : benchmark::BenchmarkReporter {
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

int main(int argc, char** argv) {
  const nn::distributed::MpiSession mpi(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (nn::distributed::world().rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    Quiet quiet;
    benchmark::RunSpecifiedBenchmarks(&quiet);
  }
  benchmark::Shutdown();
}
