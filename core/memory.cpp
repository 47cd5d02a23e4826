#include "xgrad/core/memory.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace xgrad::core {
namespace {

constexpr std::size_t kAlign = 64;
// Blocks larger than this are few (attention's scores at a long sequence: 512 MiB at
// seq 1024), and taking them from the system on every call costs page faults and
// zeroing (sys time) each time. So at most kMaxLargeBlocks of them are cached, and they
// go back to the system as soon as a large block of another size is asked for: a program
// whose large shapes change does not pin the old ones.
constexpr std::size_t kLargeBlock = std::size_t(256) << 20;
constexpr std::size_t kMaxLargeBlocks = 2;
// A request of at least kBorrowFrom bytes whose class has no free block takes one from
// the next kBorrowClasses classes up (at most 2x its size) before asking the system:
// the per-class free lists otherwise hold the sum of each class's peak, not the peak of
// the sum (a step's forward and backward peak in different classes). The block goes
// back to its own class when freed.
constexpr std::size_t kBorrowFrom = std::size_t(64) << 10;
constexpr int kBorrowClasses = 4;

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
  std::size_t large_blocks = 0;  // cached blocks above kLargeBlock
  std::unordered_map<void*, std::size_t> borrowed;  // blocks handed out for a smaller class -> their class
  ~Cache() {
    for (auto& [sz, blocks] : free)
      for (void* p : blocks) std::free(p);
  }
};

void count_live(AllocatorStats& s, std::size_t bytes) {
  s.live_bytes += bytes;
  s.peak_live_bytes = std::max(s.peak_live_bytes, s.live_bytes);
}

// Gives the cached large blocks back to the system (the caller holds c.mu).
void release_large_blocks(Cache& c) {
  for (auto& [sz, blocks] : c.free) {
    if (sz <= kLargeBlock) continue;
    for (void* p : blocks) std::free(p);
    c.stats.cached_bytes -= sz * blocks.size();
    blocks.clear();
  }
  c.large_blocks = 0;
}

// Pops a free block of class sz, or null (the caller holds c.mu).
void* pop(Cache& c, std::size_t sz) {
  auto it = c.free.find(sz);
  if (it == c.free.end() || it->second.empty()) return nullptr;
  void* p = it->second.back();
  it->second.pop_back();
  c.stats.cache_hits++;
  c.stats.cached_bytes -= sz;
  if (sz > kLargeBlock) c.large_blocks--;
  count_live(c.stats, sz);
  return p;
}

// A free block of one of the classes just above sz, remembered as borrowed, or null.
void* borrow(Cache& c, std::size_t sz) {
  if (sz < kBorrowFrom) return nullptr;
  std::size_t up = sz;
  for (int i = 0; i < kBorrowClasses; ++i) {
    up = size_class(up + 1);
    if (up > kLargeBlock) return nullptr;
    auto it = c.free.find(up);
    if (it == c.free.end() || it->second.empty()) continue;
    c.borrowed.emplace(it->second.back(), up);  // first: it may throw, with nothing changed
    return pop(c, up);
  }
  return nullptr;
}

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
    if (void* p = pop(c, sz)) return p;
    if (void* p = borrow(c, sz)) return p;
    c.stats.system_allocations++;
    count_live(c.stats, sz);
    if (sz > kLargeBlock) release_large_blocks(c);
  }
  void* p = std::aligned_alloc(kAlign, sz);
  if (!p) {
    std::lock_guard lock(c.mu);
    c.stats.live_bytes -= sz;
    throw std::bad_alloc();
  }
  return p;
}

void deallocate_bytes(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  std::size_t sz = size_class(bytes == 0 ? 1 : bytes);
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  if (!c.borrowed.empty() && sz >= kBorrowFrom)
    if (auto it = c.borrowed.find(p); it != c.borrowed.end()) {
      sz = it->second;
      c.borrowed.erase(it);
    }
  c.stats.live_bytes -= sz;
  if (sz > kLargeBlock && c.large_blocks >= kMaxLargeBlocks) {
    std::free(p);
    return;
  }
  try {
    c.free[sz].push_back(p);
    c.stats.cached_bytes += sz;
    if (sz > kLargeBlock) c.large_blocks++;
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
  c.large_blocks = 0;
}

}  // namespace xgrad::core
