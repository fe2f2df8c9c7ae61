// The gemm helper over OpenBLAS's CBLAS interface, always on one OpenBLAS thread.
//
// Why one: OpenBLAS 0.3.21 does not give the same floats for 1 and 2 threads (measured
// here: sgemm 2000x128x256, a tenth of the elements differ in the last bits), so a
// threaded OpenBLAS would make every result depend on --threads / OPENBLAS_NUM_THREADS.
// nnkit parallelises around its GEMMs instead (parallel.hpp): convolutions run one
// single-threaded gemm per chunk of images, chunks on several cores.
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
  cblas_dgemm(CblasRowMajor, flag(transpose_a), flag(transpose_b), static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda),
              b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void set_num_threads(int threads) {
  if (threads <= 0) return;
  openblas_set_num_threads(1);
  set_num_worker_threads(threads);
}

int get_num_threads() { return num_worker_threads(); }

}  // namespace nnkit::kernels
