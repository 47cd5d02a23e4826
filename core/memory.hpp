#pragma once
// Tensor storage allocation. Every buffer is 64-byte aligned (one AVX-512
// register), and freed blocks are kept in per-size free lists so that a training
// step that repeats the same shapes stops calling the system allocator after its
// first iterations; a request whose list is empty may take a block of a list up to
// 2x its size (core/memory.cpp).
#include <cstddef>
#include <cstdint>

namespace xgrad::core {

/// Aligned allocation of `bytes` (rounded up to a size class); never returns null.
void* allocate_bytes(std::size_t bytes);
/// Returns a block obtained from allocate_bytes with the same `bytes`.
void deallocate_bytes(void* p, std::size_t bytes) noexcept;

struct AllocatorStats {
  std::uint64_t system_allocations = 0;  ///< blocks obtained from the system
  std::uint64_t cache_hits = 0;          ///< blocks served from the free lists
  std::size_t cached_bytes = 0;          ///< bytes currently held in free lists
  std::size_t live_bytes = 0;            ///< bytes in blocks handed out and not yet returned
  std::size_t peak_live_bytes = 0;       ///< the most live_bytes has been (what the tensors needed at once)
};
AllocatorStats allocator_stats();
/// Gives every cached block back to the system.
void release_cached_memory();

}  // namespace xgrad::core
