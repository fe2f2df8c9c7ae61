#pragma once
/// The one matrix-product helper: every GEMM in nnkit goes through here, to OpenBLAS,
/// which nnkit keeps on one thread so that results never depend on the thread count.
/// Row-major, BLAS conventions: C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C,
/// where op(X) is X or Xᵀ; lda/ldb/ldc are the row strides of A, B, C as stored.
#include <cstdint>

namespace nnkit::kernels {

/// sgemm into preallocated C; beta = 1 accumulates (weight gradients over a batch).
void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
          float beta, float* c, std::int64_t ldc);

/// dgemm, the same contract in float64 (part 1 mirrors NumPy's float64). A large product
/// runs as blocks of rows on nnkit's workers, with the floats of one call.
void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
          double alpha, const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
          double beta, double* c, std::int64_t ldc);

/// Convenience for dense row-major operands: lda/ldb/ldc follow from the shapes.
inline void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n,
                 std::int64_t k, float alpha, const float* a, const float* b, float beta,
                 float* c) {
  gemm(transpose_a, transpose_b, m, n, k, alpha, a, transpose_a ? m : k, b, transpose_b ? k : n,
       beta, c, n);
}

/// nnkit's thread count (parallel.hpp; programs' --threads); 0 leaves the default
/// (OPENBLAS_NUM_THREADS, else the cores). OpenBLAS itself stays on one thread.
void set_num_threads(int threads);
int get_num_threads();

}  // namespace nnkit::kernels
