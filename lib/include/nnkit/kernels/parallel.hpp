#pragma once
/// nnkit's own worker threads, for the work around the GEMMs (im2col, pooling, batch
/// norm, elementwise) and for convolutions split over chunks of images.
///
/// Determinism: `parallel_for(count, fn)` runs fn(0) … fn(count − 1), each exactly once, on
/// whichever thread is free. Callers choose `count` and what each index covers from the
/// problem's shape alone, never from the thread count, and every index writes its own
/// outputs; a reduction keeps one partial per index and adds them in index order. Results
/// are then bit-identical for any number of threads.
#include <cstdint>
#include <functional>

namespace nnkit::kernels {

/// Runs fn(i) for every i in [0, count) on up to num_worker_threads() threads (the caller
/// is one of them) and returns when all are done. A gemm inside a task runs on that
/// task's core (OpenBLAS is kept on one thread, gemm.hpp). An exception thrown by a task
/// is rethrown here after all tasks ended. Not reentrant: a task that calls parallel_for
/// runs the inner loop on its own thread.
void parallel_for(std::int64_t count, const std::function<void(std::int64_t)>& fn);

/// How many threads parallel_for uses: set_num_worker_threads (or set_num_threads in
/// gemm.hpp, programs' --threads) sets it; until then default_worker_threads().
int num_worker_threads();
void set_num_worker_threads(int threads);
/// OpenBLAS's default thread count as the process started: OPENBLAS_NUM_THREADS, else
/// the number of cores.
int default_worker_threads();

/// Splits [0, total) into `parts` contiguous ranges of near-equal size; part i is
/// [begin, end). For fixed partitions that depend on the data's shape only.
struct Range1d {
  std::int64_t begin, end;
};
Range1d split_range(std::int64_t total, std::int64_t parts, std::int64_t i);

/// Number of blocks of about `grain` elements for `total` elements (at least 1 when
/// total > 0): a thread-count–independent partition for elementwise loops.
std::int64_t block_count(std::int64_t total, std::int64_t grain);

/// parallel_for over [0, total) cut into block_count(total, grain) ranges: fn(begin, end)
/// once per range. For loops whose iterations are independent (elementwise, per plane,
/// per channel); `grain` is the work worth one wake-up of a thread (~10⁴–10⁵ floats).
void parallel_blocks(std::int64_t total, std::int64_t grain,
                     const std::function<void(std::int64_t, std::int64_t)>& fn);

}  // namespace nnkit::kernels
