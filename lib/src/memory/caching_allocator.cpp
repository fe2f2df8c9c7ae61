// The block cache behind tensor storage (memory/caching_allocator.hpp).
//
// Large blocks are mapped directly, aligned to 2 MB and marked MADV_HUGEPAGE, so the
// first touch faults in 2 MB pages (measured here: 200 MB fresh + memset, 180 ms with
// 4 KB pages, 35 ms with huge pages) where the kernel allows it. A freed block goes to the
// cache under its rounded size; a request of that size takes the most recently freed
// one (warm in cache), else the head of the smallest larger cached block (resident already;
// the tail is unmapped). On a miss, least recently freed blocks are unmapped first until the
// memory mapped (in use + cached) fits in the most the program has ever had in use at once:
// the cache never raises the peak a program without it would have, and a program that
// keeps changing sizes (batches of every length) cannot hoard memory. (Measured on the
// CNN: allowing 64–512 MB more than that bought no speed that noise did not hide, and
// cost as much in peak RSS.)
#include <nnkit/memory/caching_allocator.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <new>

namespace nnkit::memory {

namespace {

constexpr std::size_t kAlignment = 64;  // a cache line: every SIMD load is aligned
constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t value, std::size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// A fresh mapping of `bytes` (a multiple of kCachedBlockBytes) starting on a 2 MB
// boundary: over-map by 2 MB, then unmap the unaligned head and the unused tail.
void* map_block(std::size_t bytes) {
  const std::size_t span = bytes + kHugePage;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = round_up(start, kHugePage);
  if (aligned > start) munmap(raw, aligned - start);
  const std::size_t tail = start + span - (aligned + bytes);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  void* block = reinterpret_cast<void*>(aligned);
  // Advice only: without transparent huge pages (or with them off) this fails harmlessly.
  madvise(block, bytes, MADV_HUGEPAGE);
  return block;
}

class BlockCache {
public:
  void* take(std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto [first, last] = by_size_.equal_range(bytes);
      if (first != last) {
        // The most recently freed block of this size: the warmest in cache.
        return hand_out(std::prev(last), bytes);
      }
      if (first != by_size_.end()) {
        // The smallest larger block: its head is resident already, so using it costs no
        // page faults; the tail goes back to the system.
        const std::size_t size = first->first;
        void* block = hand_out(first, bytes);
        munmap(static_cast<char*>(block) + bytes, size - bytes);
        cached_bytes_ -= size - bytes;
        return block;
      }
      // A miss: make room first, so that mapped memory (in use + cached) stays within the
      // largest amount the program has had in use at once.
      const std::size_t needed = in_use_bytes_ + bytes;
      peak_in_use_bytes_ = std::max(peak_in_use_bytes_, needed);
      while (!free_order_.empty() && needed + cached_bytes_ > peak_in_use_bytes_) release_oldest();
      in_use_bytes_ += bytes;
    }
    try {
      return map_block(bytes);
    } catch (const std::bad_alloc&) {
      std::lock_guard<std::mutex> lock(mutex_);
      in_use_bytes_ -= bytes;  // nothing was handed out
      throw;
    }
  }

  void give_back(void* block, std::size_t bytes) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_bytes_ -= bytes;
    free_order_.push_back({block, bytes});
    by_size_.emplace(bytes, std::prev(free_order_.end()));
    cached_bytes_ += bytes;
  }

  void release_all() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!free_order_.empty()) release_oldest();
  }

  CacheStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {cached_bytes_, in_use_bytes_, peak_in_use_bytes_};
  }

private:
  struct FreeBlock {
    void* block;
    std::size_t bytes;
  };
  using FreeList = std::list<FreeBlock>;

  // With mutex_ held: takes the cached block `it` out of the cache and counts `bytes` of
  // it as in use (the caller trims a larger block to that).
  void* hand_out(std::multimap<std::size_t, FreeList::iterator>::iterator it, std::size_t bytes) {
    void* block = it->second->block;
    cached_bytes_ -= bytes;
    free_order_.erase(it->second);
    by_size_.erase(it);
    in_use_bytes_ += bytes;
    peak_in_use_bytes_ = std::max(peak_in_use_bytes_, in_use_bytes_);
    return block;
  }

  // With mutex_ held.
  void release_oldest() noexcept {
    const FreeBlock oldest = free_order_.front();
    auto [first, last] = by_size_.equal_range(oldest.bytes);
    for (auto it = first; it != last; ++it) {
      if (it->second == free_order_.begin()) {
        by_size_.erase(it);
        break;
      }
    }
    free_order_.pop_front();
    cached_bytes_ -= oldest.bytes;
    munmap(oldest.block, oldest.bytes);
  }

  std::mutex mutex_;
  FreeList free_order_;                             // least recently freed first
  std::multimap<std::size_t, FreeList::iterator> by_size_;  // equal sizes: oldest first
  std::size_t cached_bytes_ = 0;
  std::size_t in_use_bytes_ = 0;
  std::size_t peak_in_use_bytes_ = 0;
};

// Never destroyed: tensors in static objects may be freed after main returns.
BlockCache& cache() {
  static BlockCache* instance = new BlockCache;
  return *instance;
}

}  // namespace

void* allocate(std::size_t bytes) {
  if (bytes < kCachedBlockBytes) {
    return ::operator new(round_up(bytes == 0 ? 1 : bytes, kAlignment), std::align_val_t{kAlignment});
  }
  return cache().take(round_up(bytes, kCachedBlockBytes));
}

void deallocate(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  if (bytes < kCachedBlockBytes) {
    ::operator delete(block, std::align_val_t{kAlignment});
    return;
  }
  cache().give_back(block, round_up(bytes, kCachedBlockBytes));
}

CacheStats cache_stats() { return cache().stats(); }

void empty_cache() { cache().release_all(); }

}  // namespace nnkit::memory
