#pragma once
/// Where tensor storage comes from: a cache of large blocks that outlives the tensors, as
/// PyTorch's CUDA caching allocator does for GPU memory.
///
/// Why: a training step of the assignment's CNN creates and frees tensors of up to 200 MB
/// (32 channels × 28 × 28 × 2000 images). glibc serves blocks that large with fresh mmap
/// pages and unmaps them on free, so the kernel faults in and zeroes every page again on
/// each step; measured here that cost ~0.9 ms per MB, more than the arithmetic on the same
/// bytes. Freed blocks of ≥ kCachedBlockBytes are kept by size and handed out again, so
/// after the first step the same pages serve every step. Smaller blocks go to malloc.
///
/// Blocks are uninitialised (torch.empty); Tensor::zeros/ones/full fill theirs.
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace nnkit::memory {

/// Blocks at least this large are cached; their sizes are rounded up to a multiple of it.
inline constexpr std::size_t kCachedBlockBytes = std::size_t{1} << 20;

/// Raw storage of `bytes` bytes, 64-byte aligned, uninitialised.
void* allocate(std::size_t bytes);
/// Returns a block from allocate(bytes) with the same `bytes`.
void deallocate(void* block, std::size_t bytes) noexcept;

/// What the cache holds now: blocks free for reuse, blocks handed out, and the most ever
/// handed out at once (cached + in use never exceeds it after a miss).
struct CacheStats {
  std::size_t cached_bytes = 0;
  std::size_t in_use_bytes = 0;
  std::size_t peak_in_use_bytes = 0;
};
CacheStats cache_stats();

/// Gives every cached free block back to the system (torch.cuda.empty_cache()).
void empty_cache();

/// A std allocator over allocate/deallocate whose default construction leaves elements
/// uninitialised: `std::vector<float, CachingAllocator<float>> v(n)` costs no pass over
/// memory; `v(n, 0.0f)` fills as usual.
template <class T>
struct CachingAllocator {
  using value_type = T;

  CachingAllocator() = default;
  template <class U>
  CachingAllocator(const CachingAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) { return static_cast<T*>(memory::allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { memory::deallocate(p, n * sizeof(T)); }

  /// Default-initialisation (no value-initialisation): trivial types stay uninitialised.
  template <class U>
  void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const CachingAllocator<U>&) const noexcept { return true; }
};

/// An array from the block cache, uninitialised when made with a size alone.
template <class T>
using Buffer = std::vector<T, CachingAllocator<T>>;

/// Per-element masks kept for a backward (ReLU, dropout): one byte each.
using ByteBuffer = Buffer<std::uint8_t>;

}  // namespace nnkit::memory
