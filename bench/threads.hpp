#pragma once
// The thread count of every benchmark program: XGRAD_BENCH_THREADS (what bench/compare.sh
// sets for both sides), or 0 (all hardware threads) when unset. bench/threads.cpp applies it
// before main; a benchmark that sets its own count puts this one back when it ends.
namespace xgrad::bench {

int threads_from_env();

}  // namespace xgrad::bench
