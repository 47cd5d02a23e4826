#include "xgrad/core/parallel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "xgrad/core/blas.hpp"

namespace xgrad::core {
namespace {
std::mutex g_mu;
std::unique_ptr<tbb::global_control> g_control;
std::atomic<int> g_threads{0};

int hardware_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }
}  // namespace

void set_num_threads(int n) {
  if (n <= 0) n = hardware_threads();
  std::lock_guard lock(g_mu);
  g_control.reset();  // only one global_control of a kind may decide at a time
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(n));
  g_threads = n;
  // OpenBLAS stays single-threaded: large products are split over TBB by detail::gemm.
  blas::set_num_threads(1);
}

int num_threads() {
  const int n = g_threads.load();
  return n > 0 ? n : static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  FunctionRef<void(std::int64_t, std::int64_t)> body) {
  if (end <= begin) return;
  grain = std::max<std::int64_t>(grain, 1);
  if (end - begin <= grain || num_threads() == 1) {
    body(begin, end);
    return;
  }
  // Isolated: a thread waiting for this loop runs only this loop's tasks, never an outer
  // loop's. Otherwise a task of an outer loop (conv's per-image loop around a GEMM that
  // splits itself) could start inside an inner wait and take a second scratch buffer,
  // so memory use would depend on timing.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(begin, end, static_cast<std::size_t>(grain)),
                      [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
  });
}

int thread_slots() { return std::max(1, tbb::this_task_arena::max_concurrency()); }

int thread_slot() {
  const int i = tbb::this_task_arena::current_thread_index();
  return i >= 0 && i < thread_slots() ? i : 0;  // not in an arena (inline loops): slot 0
}

}  // namespace xgrad::core
