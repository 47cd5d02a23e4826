// The allocator's cache of large blocks (above 256 MiB): kept for the next request of
// the same size, given back when another large size is asked for. The blocks are never
// touched, so they cost address space only (also under the sanitizers).
#include <catch2/catch.hpp>

#include <cstddef>

#include "xgrad/core/memory.hpp"

using namespace xgrad::core;

namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;

}  // namespace

TEST_CASE("a large block freed is reused by the next request of its size", "[memory]") {
  release_cached_memory();
  void* p = allocate_bytes(300 * kMiB);
  deallocate_bytes(p, 300 * kMiB);
  const auto before = allocator_stats();
  CHECK(before.cached_bytes >= 300 * kMiB);
  void* q = allocate_bytes(300 * kMiB);
  const auto after = allocator_stats();
  CHECK(q == p);
  CHECK(after.cache_hits == before.cache_hits + 1);
  CHECK(after.system_allocations == before.system_allocations);
  deallocate_bytes(q, 300 * kMiB);
  release_cached_memory();
}

TEST_CASE("at most two large blocks stay cached", "[memory]") {
  release_cached_memory();
  void* blocks[3];
  for (void*& b : blocks) b = allocate_bytes(300 * kMiB);
  for (void* b : blocks) deallocate_bytes(b, 300 * kMiB);
  const std::size_t cached = allocator_stats().cached_bytes;
  CHECK(cached >= 2 * 300 * kMiB);
  CHECK(cached < 3 * 300 * kMiB);
  release_cached_memory();
}

TEST_CASE("a new large size gives the cached large blocks back", "[memory]") {
  release_cached_memory();
  void* small = allocate_bytes(4096);
  void* a = allocate_bytes(300 * kMiB);
  void* b = allocate_bytes(300 * kMiB);
  deallocate_bytes(small, 4096), deallocate_bytes(a, 300 * kMiB), deallocate_bytes(b, 300 * kMiB);
  CHECK(allocator_stats().cached_bytes >= 600 * kMiB);
  void* other = allocate_bytes(450 * kMiB);  // another size class
  CHECK(allocator_stats().cached_bytes == 4096);  // the small block stays
  deallocate_bytes(other, 450 * kMiB);
  release_cached_memory();
}

TEST_CASE("release_cached_memory gives every cached block back", "[memory]") {
  release_cached_memory();
  void* small = allocate_bytes(4096);
  void* large = allocate_bytes(300 * kMiB);
  deallocate_bytes(small, 4096), deallocate_bytes(large, 300 * kMiB);
  CHECK(allocator_stats().cached_bytes > 300 * kMiB);
  release_cached_memory();
  CHECK(allocator_stats().cached_bytes == 0);
  const auto before = allocator_stats();
  deallocate_bytes(allocate_bytes(300 * kMiB), 300 * kMiB);
  CHECK(allocator_stats().system_allocations == before.system_allocations + 1);
  release_cached_memory();
}

TEST_CASE("a request whose class is empty borrows a free block of a class above, which goes back to its own", "[memory]") {
  release_cached_memory();
  const std::size_t big = 7 * 16384, small = 6 * 16384;  // two neighbouring classes of 64-128 KiB
  void* a = allocate_bytes(big);
  deallocate_bytes(a, big);
  const auto before = allocator_stats();
  void* b = allocate_bytes(small);
  CHECK(b == a);
  CHECK(allocator_stats().system_allocations == before.system_allocations);
  deallocate_bytes(b, small);
  CHECK(allocator_stats().cached_bytes == big);  // back in its own class, counted at its size
  void* c = allocate_bytes(big);
  CHECK(c == a);
  CHECK(allocator_stats().system_allocations == before.system_allocations);
  deallocate_bytes(c, big);
  release_cached_memory();
}
