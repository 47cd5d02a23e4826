#pragma once
// What every oneDNN caller in core shares (.cpp only): the CPU engine, and the guard
// that keeps each oneDNN call on its calling thread alone.
#include <oneapi/dnnl/dnnl.hpp>

// The OpenMP runtime's API (libgomp, which Debian's oneDNN uses), declared here rather
// than through a compiler's omp.h: clang without LLVM's OpenMP package has none.
extern "C" {
int omp_get_max_threads();
void omp_set_num_threads(int n);
}

namespace xgrad::core::detail {

/// The one CPU engine, made on first use (an inline function's static is one object
/// across translation units).
inline dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN parallelises with OpenMP, xgrad with TBB. Every oneDNN call runs on its calling
// thread alone (OpenMP's thread count is a per-thread setting) and xgrad splits the work,
// so kernels are chosen for one thread and each result never depends on how many
// threads there are. The caller's own setting is restored afterwards.
class OneOpenMpThread {
 public:
  OneOpenMpThread() : before_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneOpenMpThread() { omp_set_num_threads(before_); }
  OneOpenMpThread(const OneOpenMpThread&) = delete;
  OneOpenMpThread& operator=(const OneOpenMpThread&) = delete;

 private:
  int before_;
};

}  // namespace xgrad::core::detail
