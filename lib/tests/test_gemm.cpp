// kernels::gemm: a large dgemm runs as blocks of rows on nnkit's workers; its floats must be
// those of one OpenBLAS call over all rows, for any thread count — part 1 reproduces NumPy's
// run, and NumPy makes that one call. Shapes are part 1's (784-64-10, batches of 64 and the
// last batch of 16, evaluations of 2000 and 200 rows) plus odd ones with tail rows.
#include <doctest/doctest.h>

#include <cblas.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <fmt/format.h>

#include <nnkit/kernels/gemm.hpp>
#include <nnkit/kernels/parallel.hpp>

namespace {

std::vector<double> random_values(std::int64_t count, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> values(static_cast<std::size_t>(count));
  for (auto& v : values) v = normal(engine);
  return values;
}

struct Shape {
  bool transpose_a, transpose_b;
  std::int64_t m, n, k;
  double beta;
};

// C = op(A)·op(B) (+ beta·C) through kernels::gemm on `threads` workers and through one
// cblas_dgemm call; the same bytes expected.
void check_shape(const Shape& s, int threads, unsigned seed) {
  INFO(fmt::format("op(A) [{}, {}]{} x op(B) [{}, {}]{}, beta {}, {} threads", s.m, s.k,
                   s.transpose_a ? " (A transposed)" : "", s.k, s.n,
                   s.transpose_b ? " (B transposed)" : "", s.beta, threads));
  const auto a = random_values(s.m * s.k, seed), b = random_values(s.k * s.n, seed + 1);
  const auto c0 = random_values(s.m * s.n, seed + 2);
  const std::int64_t lda = s.transpose_a ? s.m : s.k, ldb = s.transpose_b ? s.k : s.n;
  std::vector<double> one_call = c0, blocks = c0;
  cblas_dgemm(CblasRowMajor, s.transpose_a ? CblasTrans : CblasNoTrans,
              s.transpose_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(s.m),
              static_cast<blasint>(s.n), static_cast<blasint>(s.k), 1.0, a.data(),
              static_cast<blasint>(lda), b.data(), static_cast<blasint>(ldb), s.beta,
              one_call.data(), static_cast<blasint>(s.n));
  nnkit::kernels::set_num_worker_threads(threads);
  nnkit::kernels::gemm(s.transpose_a, s.transpose_b, s.m, s.n, s.k, 1.0, a.data(), lda, b.data(),
                       ldb, s.beta, blocks.data(), s.n);
  CHECK(std::memcmp(one_call.data(), blocks.data(), one_call.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_CASE("dgemm in row blocks gives the floats of one OpenBLAS call, for 1 to 3 threads") {
  const int saved_threads = nnkit::kernels::num_worker_threads();
  const Shape shapes[] = {
      {false, false, 64, 64, 784, 0.0},    // a batch's hidden layer: X·W1
      {false, false, 16, 64, 784, 0.0},    // the last batch of 2000 (16 rows)
      {false, false, 2000, 64, 784, 0.0},  // the evaluation on the training set
      {false, false, 200, 64, 784, 0.0},   // the validation set
      {true, false, 784, 64, 64, 0.0},     // dW1 = Xᵀ·dz1
      {true, false, 784, 64, 16, 0.0},     // dW1 on the last batch
      {false, true, 64, 64, 10, 0.0},      // dz2·W2ᵀ: too small to split
      {false, false, 1003, 37, 517, 1.0},  // tail rows, accumulating into C
      {true, true, 523, 129, 301, 0.5},    // both transposed, tail rows
  };
  unsigned seed = 1;
  for (const Shape& shape : shapes) {
    for (const int threads : {1, 2, 3}) check_shape(shape, threads, seed);
    seed += 3;
  }
  nnkit::kernels::set_num_worker_threads(saved_threads);
}
