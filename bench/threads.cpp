// Applies XGRAD_BENCH_THREADS before main, so every benchmark in the program runs with the
// same count as the PyTorch side unless it sets its own (and then restores this one).
#include "threads.hpp"

#include <cstdlib>

#include "xgrad/core/parallel.hpp"

namespace xgrad::bench {

int threads_from_env() {
  const char* env = std::getenv("XGRAD_BENCH_THREADS");
  return env ? std::atoi(env) : 0;
}

}  // namespace xgrad::bench

namespace {

const bool threads_set = [] {
  xgrad::core::set_num_threads(xgrad::bench::threads_from_env());
  return true;
}();

}  // namespace
