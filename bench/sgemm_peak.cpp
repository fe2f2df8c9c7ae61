// sgemm_peak: the machine's float32 matrix-product ceiling, as OpenBLAS reaches it.
// Times cblas_sgemm on large square matrices (C = A·B, n×n, 2n³ FLOPs per call) with all
// cores by default and prints the best of a few calls as one key=value line that
// bench/run_bench.py reads: the "100 %" of the CNN's percent-of-peak column. With
// --dtype float64 it times cblas_dgemm instead: the ceiling of part 1, which computes in
// float64 as NumPy does.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <cblas.h>
#include <fmt/format.h>

namespace {

/// Deterministic, well-scaled values in [-0.5, 0.5): no denormals, no dependence on a seed.
template <class Real>
std::vector<Real> filled(std::int64_t count, std::uint32_t salt) {
  std::vector<Real> values(static_cast<std::size_t>(count));
  std::uint32_t state = 2463534242u ^ salt;
  for (auto& value : values) {
    state ^= state << 13;  // xorshift32
    state ^= state >> 17;
    state ^= state << 5;
    value = static_cast<Real>(state % 1024u) / Real(1024) - Real(0.5);
  }
  return values;
}

/// C[n, n] = A[n, n] · B[n, n] (row-major, no transposes) in float32 or float64.
void gemm(int n, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
}
void gemm(int n, const double* a, const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}

/// The best of `repeats` timed products after one warm-up (thread pool start, page faults
/// on C), in seconds.
template <class Real>
double best_seconds(int n, int repeats) {
  const std::int64_t count = static_cast<std::int64_t>(n) * n;
  const auto a = filled<Real>(count, 1u);
  const auto b = filled<Real>(count, 2u);
  std::vector<Real> c(static_cast<std::size_t>(count), Real(0));
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i <= repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    gemm(n, a.data(), b.data(), c.data());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i > 0) best = std::min(best, seconds);  // call 0 is the warm-up
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2048;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeats = 5;
  std::string dtype = "float32";
  CLI::App app{"Peak GEMM throughput of this machine through OpenBLAS (cblas_sgemm, or cblas_dgemm)"};
  app.add_option("--n", n, "matrix size (n x n)")
      ->check(CLI::Range(64, 16384))
      ->capture_default_str();
  app.add_option("--threads", threads, "OpenBLAS threads (default: every core)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--repeats", repeats, "timed calls after one warm-up; the best counts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--dtype", dtype, "float32 (sgemm, the CNN's ceiling) or float64 (dgemm, part 1's)")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  openblas_set_num_threads(threads);
  const double best = dtype == "float32" ? best_seconds<float>(n, repeats)
                                         : best_seconds<double>(n, repeats);
  const double flops = 2.0 * n * static_cast<double>(n) * n;
  std::cout << fmt::format("{}_peak dtype={} n={} threads={} repeats={} best_s={:.6f} gflops={:.2f}\n",
                           dtype == "float32" ? "sgemm" : "dgemm", dtype, n,
                           openblas_get_num_threads(), repeats, best, flops / best / 1e9);
  return 0;
}
