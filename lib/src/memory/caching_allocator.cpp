// The block cache behind tensor storage (memory/caching_allocator.hpp).
//
// Large blocks are mapped directly, aligned to 2 MB and marked MADV_HUGEPAGE, so the
// first touch faults in 2 MB pages (measured here: 200 MB fresh + memset, 180 ms with
// 4 KB pages, 35 ms with huge pages) where the kernel allows it.
//
// Free blocks are split and merged as PyTorch's CUDA caching allocator does with its
// segments: a request takes the smallest free block that fits (of equal sizes the most
// recently freed, warm in cache) and leaves the rest of it free; a freed block merges with
// free neighbours at adjacent addresses. Why merge: the CNN's epoch runs steps on 2000
// images and evaluations on 200; without merging, the evaluation's small tensors carved
// the step's 200 MB blocks into pieces, and every next step mapped and zeroed ~1.8 GB
// afresh (10 % of its time in the kernel's clear_page). With merging the pieces come back
// whole when the evaluation frees them.
//
// On a miss, least recently freed blocks are unmapped first until the memory mapped (in
// use + cached) fits in the most the program has ever had in use at once: the cache never
// raises the peak a program without it would have, and a program that keeps changing sizes
// (batches of every length) cannot hoard memory. (Measured on the CNN: allowing 64–512 MB
// more than that bought no speed that noise did not hide, and cost as much in peak RSS.)
//
// Where mmap is absent (Windows outside WSL), or with -DNNKIT_MMAP=OFF (which defines
// NNKIT_NO_MMAP, so one CI build compiles and runs this path on Linux), blocks come from
// std::aligned_alloc instead. free() takes back only a whole block as it was allocated,
// never a piece or two blocks that happen to be neighbours, so this path keeps each
// allocation a segment of its own (as PyTorch's CUDA allocator does): free blocks merge
// only within their segment, and only a segment that is wholly free is released.
#include <nnkit/memory/caching_allocator.hpp>

#if __has_include(<sys/mman.h>) && !defined(NNKIT_NO_MMAP)
#define NNKIT_HAVE_MMAP 1
#include <sys/mman.h>
#else
#define NNKIT_HAVE_MMAP 0
#endif

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <new>

namespace nnkit::memory {

namespace {

constexpr std::size_t kAlignment = 64;  // a cache line: every SIMD load is aligned

std::size_t round_up(std::size_t value, std::size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// mmap gives back any page range: a piece of a mapping, or neighbouring mappings at once.
constexpr bool kReleasesAnyRange = NNKIT_HAVE_MMAP;

#if NNKIT_HAVE_MMAP
constexpr std::size_t kHugePage = std::size_t{2} << 20;

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
#ifdef MADV_HUGEPAGE  // Linux only (macOS has mmap, not this advice)
  // Advice only: without transparent huge pages (or with them off) this fails harmlessly.
  madvise(block, bytes, MADV_HUGEPAGE);
#endif
  return block;
}

void unmap_block(void* block, std::size_t bytes) noexcept { munmap(block, bytes); }
#else
// `bytes` is a multiple of kCachedBlockBytes, hence of kAlignment, as aligned_alloc requires.
void* map_block(std::size_t bytes) {
  void* block = std::aligned_alloc(kAlignment, bytes);
  if (block == nullptr) throw std::bad_alloc();
  return block;
}

void unmap_block(void* block, std::size_t) noexcept { std::free(block); }
#endif

class BlockCache {
public:
  void* take(std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // The smallest free block that fits; of equal sizes, the most recently freed.
      auto fit = by_size_.lower_bound({bytes, 0});
      if (fit != by_size_.end()) return hand_out(fit, bytes);
      // A miss: make room first, so that mapped memory (in use + cached) stays within the
      // largest amount the program has had in use at once.
      const std::size_t needed = in_use_bytes_ + bytes;
      peak_in_use_bytes_ = std::max(peak_in_use_bytes_, needed);
      while (needed + cached_bytes_ > peak_in_use_bytes_ && release_oldest()) {
      }
      in_use_bytes_ += bytes;
    }
    void* block = nullptr;
    try {
      block = map_block(bytes);
    } catch (const std::bad_alloc&) {
      std::lock_guard<std::mutex> lock(mutex_);
      in_use_bytes_ -= bytes;  // nothing was handed out
      throw;
    }
    if constexpr (!kReleasesAnyRange) {
      std::lock_guard<std::mutex> lock(mutex_);
      segments_.emplace(reinterpret_cast<Address>(block), bytes);
    }
    return block;
  }

  void give_back(void* block, std::size_t bytes) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_bytes_ -= bytes;
    cached_bytes_ += bytes;
    Address start = reinterpret_cast<Address>(block), end = start + bytes;
    // Merge with the free blocks that end where this one starts and start where it ends.
    auto next = by_address_.find(end);
    if (next != by_address_.end() && !segment_starts_at(end)) {
      end += next->second.bytes;
      forget(next);
    }
    auto after = by_address_.lower_bound(start);
    if (after != by_address_.begin() && !segment_starts_at(start)) {
      auto prev = std::prev(after);
      if (prev->first + prev->second.bytes == start) {
        start = prev->first;
        forget(prev);
      }
    }
    remember(start, end - start, ++clock_);
  }

  void release_all() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    while (release_oldest()) {
    }
  }

  CacheStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {cached_bytes_, in_use_bytes_, peak_in_use_bytes_};
  }

private:
  using Address = std::uintptr_t;
  struct FreeBlock {
    std::size_t bytes;
    std::uint64_t freed_at;  // clock_ when it (or the last block merged into it) was freed
  };
  // Free blocks by size, then newest first (~freed_at), so lower_bound({bytes, 0}) is the
  // smallest fit and among equal sizes the warmest.
  using SizeKey = std::pair<std::size_t, std::uint64_t>;

  // With mutex_ held: enters the free block [start, start + bytes) in the three indexes.
  void remember(Address start, std::size_t bytes, std::uint64_t freed_at) {
    by_address_.emplace(start, FreeBlock{bytes, freed_at});
    by_size_.emplace(SizeKey{bytes, ~freed_at}, start);
    by_age_.emplace(freed_at, start);
  }

  // With mutex_ held: removes the free block `it` from the three indexes.
  void forget(std::map<Address, FreeBlock>::iterator it) {
    by_size_.erase(SizeKey{it->second.bytes, ~it->second.freed_at});
    by_age_.erase(it->second.freed_at);
    by_address_.erase(it);
  }

  // With mutex_ held: hands out the head of the free block `fit` (the rest stays free, as
  // old as it was) and counts `bytes` as in use.
  void* hand_out(std::map<SizeKey, Address>::iterator fit, std::size_t bytes) {
    const Address start = fit->second;
    auto block = by_address_.find(start);
    const FreeBlock whole = block->second;
    forget(block);
    if (whole.bytes > bytes) remember(start + bytes, whole.bytes - bytes, whole.freed_at);
    cached_bytes_ -= bytes;
    in_use_bytes_ += bytes;
    peak_in_use_bytes_ = std::max(peak_in_use_bytes_, in_use_bytes_);
    return reinterpret_cast<void*>(start);
  }

  // With mutex_ held: whether a free block must not grow across `address` because another
  // segment starts there (only where blocks go back whole: see the top of this file).
  bool segment_starts_at(Address address) const {
    return !kReleasesAnyRange && segments_.count(address) != 0;
  }

  // With mutex_ held: gives the least recently freed block that the system can take back
  // (any block with mmap, only a whole segment without) back to it; false when none is.
  bool release_oldest() noexcept {
    for (auto oldest = by_age_.begin(); oldest != by_age_.end(); ++oldest) {
      const Address start = oldest->second;
      auto block = by_address_.find(start);
      const std::size_t bytes = block->second.bytes;
      if constexpr (!kReleasesAnyRange) {
        auto segment = segments_.find(start);
        if (segment == segments_.end() || segment->second != bytes) continue;
        segments_.erase(segment);
      }
      forget(block);  // erases `oldest` too: return before the loop touches it again
      cached_bytes_ -= bytes;
      unmap_block(reinterpret_cast<void*>(start), bytes);
      return true;
    }
    return false;
  }

  std::mutex mutex_;
  std::map<Address, FreeBlock> by_address_;  // every free block, for merging neighbours
  std::map<SizeKey, Address> by_size_;       // the same blocks, for the best fit
  std::map<std::uint64_t, Address> by_age_;  // the same blocks, least recently freed first
  std::map<Address, std::size_t> segments_;  // without mmap: each allocation, start -> bytes
  std::uint64_t clock_ = 0;
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
