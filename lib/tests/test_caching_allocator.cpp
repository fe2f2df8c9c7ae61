// memory::allocate / deallocate: large blocks are reused (split and merged), aligned and
// uninitialised; the cache never keeps mapped more than the program has had in use at once.
#include <cstdint>
#include <cstring>

#include <doctest/doctest.h>

#include <nnkit/memory/caching_allocator.hpp>
#include <nnkit/tensor.hpp>

namespace memory = nnkit::memory;

namespace {
constexpr std::size_t kMiB = std::size_t{1} << 20;
}  // namespace

TEST_CASE("a freed large block is handed out again for the same rounded size") {
  memory::empty_cache();
  void* first = memory::allocate(3 * kMiB + 5);
  CHECK(reinterpret_cast<std::uintptr_t>(first) % 64 == 0);
  std::memset(first, 0xab, 3 * kMiB + 5);  // every byte writable
  memory::deallocate(first, 3 * kMiB + 5);
  CHECK(memory::cache_stats().cached_bytes == 4 * kMiB);  // rounded up to whole MiB
  void* again = memory::allocate(4 * kMiB);               // same rounded size
  CHECK(again == first);
  CHECK(memory::cache_stats().cached_bytes == 0);
  CHECK(memory::cache_stats().in_use_bytes >= 4 * kMiB);
  memory::deallocate(again, 4 * kMiB);
  memory::empty_cache();
  CHECK(memory::cache_stats().cached_bytes == 0);
}

TEST_CASE("a smaller request takes the head of a larger cached block; freed, they merge again") {
  memory::empty_cache();
  void* large = memory::allocate(8 * kMiB);
  std::memset(large, 1, 8 * kMiB);
  memory::deallocate(large, 8 * kMiB);
  void* head = memory::allocate(3 * kMiB);
  CHECK(head == large);  // resident pages, no fresh mapping
  CHECK(memory::cache_stats().cached_bytes == 5 * kMiB);  // the tail stays cached
  void* tail = memory::allocate(5 * kMiB);
  CHECK(tail == static_cast<char*>(large) + 3 * kMiB);  // the tail, not a fresh mapping
  std::memset(head, 2, 3 * kMiB);
  std::memset(tail, 3, 5 * kMiB);
  // Freed in either order, the neighbours merge back into the whole 8 MiB block.
  memory::deallocate(head, 3 * kMiB);
  memory::deallocate(tail, 5 * kMiB);
  CHECK(memory::cache_stats().cached_bytes == 8 * kMiB);
  void* whole = memory::allocate(8 * kMiB);
  CHECK(whole == large);
  memory::deallocate(whole, 8 * kMiB);
  memory::empty_cache();
  CHECK(memory::cache_stats().cached_bytes == 0);
}

TEST_CASE("of equal free blocks, the most recently freed is handed out") {
  memory::empty_cache();
  void* a = memory::allocate(2 * kMiB);
  void* spacer = memory::allocate(2 * kMiB);  // keeps a and b from merging
  void* b = memory::allocate(2 * kMiB);
  void* spacer2 = memory::allocate(2 * kMiB);
  memory::deallocate(a, 2 * kMiB);
  memory::deallocate(b, 2 * kMiB);
  CHECK(memory::allocate(2 * kMiB) == b);
  CHECK(memory::allocate(2 * kMiB) == a);
  for (void* block : {a, b, spacer, spacer2}) memory::deallocate(block, 2 * kMiB);
  memory::empty_cache();
}

TEST_CASE("small blocks bypass the cache and are 64-byte aligned") {
  memory::empty_cache();
  for (std::size_t bytes : {std::size_t{0}, std::size_t{1}, std::size_t{100}, kMiB - 1}) {
    void* block = memory::allocate(bytes);
    CHECK(reinterpret_cast<std::uintptr_t>(block) % 64 == 0);
    memory::deallocate(block, bytes);
  }
  CHECK(memory::cache_stats().cached_bytes == 0);
}

TEST_CASE("a miss first unmaps cached blocks that would lift memory above the peak in use") {
  memory::empty_cache();
  const std::size_t before = memory::cache_stats().in_use_bytes;
  void* a = memory::allocate(8 * kMiB);
  memory::deallocate(a, 8 * kMiB);
  CHECK(memory::cache_stats().cached_bytes == 8 * kMiB);
  // A 12 MiB miss beside the cached 8 MiB: mapped memory (in use + cached) must stay within
  // the peak in use, so the 8 MiB block goes back to the system unless the peak has room.
  void* b = memory::allocate(12 * kMiB);
  const auto stats = memory::cache_stats();
  CHECK(stats.in_use_bytes == before + 12 * kMiB);
  CHECK(stats.in_use_bytes + stats.cached_bytes <= stats.peak_in_use_bytes);
  CHECK(stats.peak_in_use_bytes >= before + 12 * kMiB);
  std::memset(b, 4, 12 * kMiB);
  memory::deallocate(b, 12 * kMiB);
  // A request of the cached size after that is served without growing the cache.
  const std::size_t cached = memory::cache_stats().cached_bytes;
  void* c = memory::allocate(12 * kMiB);
  CHECK(c == b);
  CHECK(memory::cache_stats().cached_bytes == cached - 12 * kMiB);
  memory::deallocate(c, 12 * kMiB);
  memory::empty_cache();
}

TEST_CASE("Tensor::empty gives uninitialised storage; zeros, ones and full fill theirs") {
  {
    nnkit::Tensor big = nnkit::Tensor::full({1024, 1024}, 7.0f);  // 4 MiB, into the cache
  }
  const nnkit::Tensor zeros = nnkit::Tensor::zeros({1024, 1024});
  std::int64_t nonzero = 0;
  for (std::int64_t i = 0; i < zeros.numel(); ++i) nonzero += zeros.data()[i] != 0.0f;
  CHECK(nonzero == 0);  // a reused block still comes back zeroed from zeros()
  const nnkit::Tensor ones = nnkit::Tensor::ones({3, 5});
  CHECK(ones.data()[14] == 1.0f);
}
