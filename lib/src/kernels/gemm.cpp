// The gemm helper over OpenBLAS's CBLAS interface, always on one OpenBLAS thread.
//
// Why one: OpenBLAS 0.3.21 does not give the same floats for 1 and 2 threads (measured
// here: sgemm 2000x128x256, a tenth of the elements differ in the last bits), so a
// threaded OpenBLAS would make every result depend on --threads / OPENBLAS_NUM_THREADS.
// nnkit parallelises around its GEMMs instead (parallel.hpp): convolutions run one
// single-threaded gemm per chunk of images, chunks on several cores; a large dgemm (part 1's
// layers) runs as blocks of rows of C, one single-threaded call per block. Each element of C
// is then summed exactly as in one call over all rows (OpenBLAS blocks K from K alone, and
// the blocks start at multiples of the kernel's rows), which test_gemm checks bit for bit.
#include <nnkit/kernels/gemm.hpp>

#include <cblas.h>

#include <nnkit/kernels/parallel.hpp>

namespace nnkit::kernels {

namespace {

CBLAS_TRANSPOSE flag(bool transpose) { return transpose ? CblasTrans : CblasNoTrans; }

// At load time, before any gemm: remember OpenBLAS's default thread count for nnkit's
// own workers, then pin OpenBLAS to one thread.
const bool openblas_pinned = [] {
  default_worker_threads();
  openblas_set_num_threads(1);
  return true;
}();

// Rows of C per unit of a row block: a multiple of OpenBLAS's dgemm unroll along C's rows
// (row-major C is a column-major Cᵀ to OpenBLAS, so that is its N unroll: 8 on Haswell and
// Zen, 2 on SkylakeX), so that every block but the last has no tail rows.
constexpr std::int64_t kRowUnit = 8;
// Multiply-adds of the smallest block: below this, splitting costs more than it saves. Also
// above OpenBLAS's small-matrix path (≤ 100³ multiply-adds, on AVX-512 builds), which may sum
// differently: no block takes a path the whole product would not take.
constexpr double kWorkPerBlock = double(1 << 20);

// How many row blocks a dgemm of this shape runs as: a power of two (even shares for 2 or 4
// threads), the smallest of at least kWorkPerBlock multiply-adds. From the shape alone, never
// from the thread count (parallel.hpp).
std::int64_t row_blocks(std::int64_t m, std::int64_t n, std::int64_t k) {
  const double row_work = double(n) * double(k);  // multiply-adds per row of C
  const std::int64_t units = m / kRowUnit;
  std::int64_t blocks = 1;
  // split_range gives every block at least units / blocks whole units
  while (blocks * 2 <= units &&
         double(units / (blocks * 2) * kRowUnit) * row_work >= kWorkPerBlock) {
    blocks *= 2;
  }
  return blocks;
}

void dgemm_rows(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n,
                std::int64_t k, double alpha, const double* a, std::int64_t lda, const double* b,
                std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  cblas_dgemm(CblasRowMajor, flag(transpose_a), flag(transpose_b), static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda),
              b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

}  // namespace

void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
          float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, flag(transpose_a), flag(transpose_b), static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda),
              b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
          double alpha, const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
          double beta, double* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  const std::int64_t blocks = row_blocks(m, n, k);
  if (blocks == 1) {
    dgemm_rows(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const std::int64_t units = m / kRowUnit;
  parallel_for(blocks, [&](std::int64_t i) {
    const Range1d range = split_range(units, blocks, i);
    const std::int64_t first = range.begin * kRowUnit;
    const std::int64_t last = i + 1 == blocks ? m : range.end * kRowUnit;  // tail rows last
    // Row `first` of op(A): a row of A, or a column of A when it is transposed.
    const double* a_rows = transpose_a ? a + first : a + first * lda;
    dgemm_rows(transpose_a, transpose_b, last - first, n, k, alpha, a_rows, lda, b, ldb, beta,
               c + first * ldc, ldc);
  });
}

void set_num_threads(int threads) {
  if (threads <= 0) return;
  openblas_set_num_threads(1);
  set_num_worker_threads(threads);
}

int get_num_threads() { return num_worker_threads(); }

}  // namespace nnkit::kernels
