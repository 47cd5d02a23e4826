#include "xgrad/core/memory.hpp"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace xgrad::core {
namespace {

constexpr std::size_t kAlign = 64;
// Blocks larger than this go straight back to the system: they are rare, and
// caching them would pin a lot of memory.
constexpr std::size_t kMaxCachedBlock = std::size_t(256) << 20;

// Size classes: multiples of 64 bytes up to 4 KiB, then four classes per power
// of two, so a class wastes at most a quarter of a block.
std::size_t size_class(std::size_t bytes) {
  if (bytes <= 4096) return (bytes + kAlign - 1) / kAlign * kAlign;
  std::size_t p = 4096;
  while (p * 2 < bytes) p *= 2;
  const std::size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<std::size_t, std::vector<void*>> free;
  AllocatorStats stats;
  ~Cache() {
    for (auto& [sz, blocks] : free)
      for (void* p : blocks) std::free(p);
  }
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors in static storage may outlive it
  return *c;
}

}  // namespace

void* allocate_bytes(std::size_t bytes) {
  const std::size_t sz = size_class(bytes == 0 ? 1 : bytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mu);
    auto it = c.free.find(sz);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cache_hits++;
      c.stats.cached_bytes -= sz;
      return p;
    }
    c.stats.system_allocations++;
  }
  void* p = std::aligned_alloc(kAlign, sz);
  if (!p) throw std::bad_alloc();
  return p;
}

void deallocate_bytes(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const std::size_t sz = size_class(bytes == 0 ? 1 : bytes);
  if (sz > kMaxCachedBlock) {
    std::free(p);
    return;
  }
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  try {
    c.free[sz].push_back(p);
    c.stats.cached_bytes += sz;
  } catch (...) {
    std::free(p);
  }
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  return c.stats;
}

void release_cached_memory() {
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  for (auto& [sz, blocks] : c.free)
    for (void* p : blocks) std::free(p);
  c.free.clear();
  c.stats.cached_bytes = 0;
}

}  // namespace xgrad::core
