#pragma once
// What every oneDNN caller in core shares (.cpp only): the CPU engine, and the guard
// that keeps each oneDNN call on its calling thread alone.
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

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

/// oneDNN kernels made for one shape each (a kernel is JIT-compiled: too dear to make per
/// call), kept for the next call of that shape. At most `max` are kept, the least recently
/// used dropped first: a program whose shapes keep changing would otherwise keep a kernel
/// for each (6,400 sizes of a small convolution: RSS 133 MB, 65 with the bound;
/// bench/README.md, session 19). Shared, so a call running on a plan dropped meanwhile by
/// another thread keeps it alive. A plan that could not be made (oneDNN has no kernel for
/// the shape) is kept as null, and the caller falls back.
template <class Key, class Plan>
class PlanCache {
 public:
  using Ptr = std::shared_ptr<const Plan>;
  explicit PlanCache(std::size_t max) : max_(max) {}

  /// The plan of `key`, made by `make(key)` on first use.
  template <class Make>
  Ptr find(const Key& key, Make&& make) {
    std::lock_guard lock(mu_);
    auto it = plans_.find(key);
    if (it == plans_.end()) {
      Ptr plan;
      try {
        plan = std::make_shared<const Plan>(make(key));
      } catch (const dnnl::error&) {  // no kernel for this shape
      }
      if (plans_.size() >= max_) drop_least_recent();
      it = plans_.emplace(key, Entry{std::move(plan)}).first;
    }
    it->second.used = ++clock_;
    return it->second.plan;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return plans_.size();
  }
  std::size_t max() const { return max_; }

 private:
  struct Entry {
    Ptr plan;
    std::uint64_t used = 0;
  };
  void drop_least_recent() {
    auto oldest = std::min_element(plans_.begin(), plans_.end(),
                                   [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    plans_.erase(oldest);
  }
  std::size_t max_;
  std::mutex mu_;
  std::map<Key, Entry> plans_;
  std::uint64_t clock_ = 0;
};

}  // namespace xgrad::core::detail
