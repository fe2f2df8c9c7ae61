// A small fork-join pool: persistent workers sleep on a condition variable, a job hands out
// indices from an atomic counter, the calling thread works too and then waits for the
// others. Jobs are coarse (a chunk of images, a block of ~64K elements), so the wake-up
// cost of a condition variable (tens of µs) is noise and no thread spins while idle —
// spinning would steal the core from OpenBLAS or from the other worker on a 2-core box.
#include <nnkit/kernels/parallel.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <cblas.h>

namespace nnkit::kernels {

namespace {

thread_local bool inside_task = false;

class Pool {
public:
  ~Pool() { resize(1); }

  int size() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (size_ == 0) start_workers(default_worker_threads());
    return size_;
  }

  void resize(int threads) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (threads == size_) return;
    stop_ = true;
    wake_.notify_all();
    lock.unlock();
    for (auto& worker : workers_) worker.join();
    lock.lock();
    workers_.clear();
    stop_ = false;
    size_ = 0;
    if (threads > 0) start_workers(threads);
  }

  void run(std::int64_t count, const std::function<void(std::int64_t)>& fn) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      count_ = count;
      next_.store(0);
      busy_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

private:
  // Called with mutex_ held. Each worker starts from the generation current now: a worker
  // that first takes the lock after run() has posted a job must still see that job as new
  // (reading generation_ in the worker would skip it and leave run() waiting forever).
  void start_workers(int threads) {
    size_ = threads;
    const std::uint64_t current = generation_;
    for (int t = 1; t < threads; ++t) {
      workers_.emplace_back([this, current] { worker_loop(current); });
    }
  }

  // Takes indices until none are left; records the first exception.
  void work() {
    inside_task = true;
    for (std::int64_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) {
      try {
        (*fn_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
    inside_task = false;
  }

  void worker_loop(std::uint64_t seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      work();
      lock.lock();
      if (--busy_ == 0) done_.notify_one();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  int size_ = 0;
  bool stop_ = false;
  std::uint64_t generation_ = 0;
  const std::function<void(std::int64_t)>* fn_ = nullptr;
  std::int64_t count_ = 0;
  std::atomic<std::int64_t> next_{0};
  int busy_ = 0;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

// One caller at a time: the pool has one job slot.
std::mutex& job_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

void parallel_for(std::int64_t count, const std::function<void(std::int64_t)>& fn) {
  if (count <= 0) return;
  if (count == 1 || inside_task || pool().size() == 1) {
    for (std::int64_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::lock_guard<std::mutex> job(job_mutex());
  pool().run(count, fn);
}

int default_worker_threads() {
  // OpenBLAS's own default honours OPENBLAS_NUM_THREADS and the core count; read before
  // gemm.cpp pins OpenBLAS to one thread.
  static const int threads = std::max(1, openblas_get_num_threads());
  return threads;
}

int num_worker_threads() { return pool().size(); }

void set_num_worker_threads(int threads) {
  if (threads > 0) pool().resize(threads);
}

Range1d split_range(std::int64_t total, std::int64_t parts, std::int64_t i) {
  const std::int64_t base = total / parts, extra = total % parts;
  const std::int64_t begin = i * base + std::min(i, extra);
  return {begin, begin + base + (i < extra ? 1 : 0)};
}

std::int64_t block_count(std::int64_t total, std::int64_t grain) {
  if (total <= 0) return 0;
  return std::max<std::int64_t>(1, (total + grain - 1) / grain);
}

void parallel_blocks(std::int64_t total, std::int64_t grain,
                     const std::function<void(std::int64_t, std::int64_t)>& fn) {
  const std::int64_t blocks = block_count(total, grain);
  parallel_for(blocks, [&](std::int64_t i) {
    const Range1d range = split_range(total, blocks, i);
    fn(range.begin, range.end);
  });
}

}  // namespace nnkit::kernels
