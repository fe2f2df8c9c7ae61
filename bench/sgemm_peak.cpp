// sgemm_peak: the machine's float32 matrix-product ceiling, as OpenBLAS reaches it.
// Times cblas_sgemm on large square matrices (C = A·B, n×n, 2n³ FLOPs per call) with all
// cores by default and prints the best of a few calls as one key=value line that
// bench/run_bench.py reads: the "100 %" of the CNN's percent-of-peak column.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <cblas.h>
#include <fmt/format.h>

namespace {

/// Deterministic, well-scaled values in [-0.5, 0.5): no denormals, no dependence on a seed.
std::vector<float> filled(std::int64_t count, std::uint32_t salt) {
  std::vector<float> values(static_cast<std::size_t>(count));
  std::uint32_t state = 2463534242u ^ salt;
  for (auto& value : values) {
    state ^= state << 13;  // xorshift32
    state ^= state >> 17;
    state ^= state << 5;
    value = static_cast<float>(state % 1024u) / 1024.0f - 0.5f;
  }
  return values;
}

/// Seconds taken by one C[n, n] = A[n, n] · B[n, n] (row-major, no transposes).
double time_one_sgemm(int n, const std::vector<float>& a, const std::vector<float>& b,
                      std::vector<float>& c) {
  const auto start = std::chrono::steady_clock::now();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
              0.0f, c.data(), n);  // [n, n] x [n, n] -> [n, n]
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2048;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeats = 5;
  CLI::App app{"Peak float32 GEMM throughput of this machine through OpenBLAS (cblas_sgemm)"};
  app.add_option("--n", n, "matrix size (n x n)")
      ->check(CLI::Range(64, 16384))
      ->capture_default_str();
  app.add_option("--threads", threads, "OpenBLAS threads (default: every core)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--repeats", repeats, "timed calls after one warm-up; the best counts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  openblas_set_num_threads(threads);
  const std::int64_t count = static_cast<std::int64_t>(n) * n;
  const auto a = filled(count, 1u);
  const auto b = filled(count, 2u);
  std::vector<float> c(static_cast<std::size_t>(count), 0.0f);

  time_one_sgemm(n, a, b, c);  // warm-up: thread pool start, page faults on C
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < repeats; ++i) best = std::min(best, time_one_sgemm(n, a, b, c));

  const double flops = 2.0 * n * static_cast<double>(n) * n;
  std::cout << fmt::format("sgemm_peak n={} threads={} repeats={} best_s={:.6f} gflops={:.2f}\n",
                           n, openblas_get_num_threads(), repeats, best, flops / best / 1e9);
  return 0;
}
