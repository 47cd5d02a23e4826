// Threads for the model benchmarks: XGRAD_BENCH_THREADS (what bench/compare.sh sets
// for both sides), or all hardware threads when unset. Set before main so every
// benchmark in the program runs with the same count as the PyTorch side.
#include <cstdlib>

#include "xgrad/core/parallel.hpp"

namespace {

const bool threads_set = [] {
  const char* env = std::getenv("XGRAD_BENCH_THREADS");
  xgrad::core::set_num_threads(env ? std::atoi(env) : 0);
  return true;
}();

}  // namespace
