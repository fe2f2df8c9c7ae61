// LogisticRegression: the bodies (items 1.1 and 1.2).
//
// Your code goes between the `>>> YOUR CODE HERE >>>` and `<<< END OF YOUR CODE <<<`
// lines; everything else is given. The given helpers below (matmul, matmul_tn,
// numpy_row_sum) compute what NumPy computes for the same expression, in the same order,
// so a correct model reproduces NumPy's numbers to the last printed digit.
#include "logistic_regression.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>

#include <nnkit/error.hpp>
#include <nnkit/kernels/gemm.hpp>
#include <nnkit/random/numpy_random_state.hpp>

namespace {

/// "[2, 5]" for error messages.
std::string shape_of(const xt::xarray<double>& a) {
  return fmt::format("[{}]", fmt::join(a.shape(), ", "));
}

/// Throws nnkit::Error unless `a` is a matrix with `cols` columns.
void require_columns(const char* where, const char* name, const xt::xarray<double>& a,
                     std::size_t cols) {
  if (a.dimension() != 2 || a.shape()[1] != cols) {
    throw nnkit::Error(fmt::format("LogisticRegression::{}: {} has shape {}, expected [N, {}]",
                                   where, name, shape_of(a), cols));
  }
}

/// op(a)·op(b) through nnkit's one gemm helper (OpenBLAS dgemm): NumPy's matmul makes the
/// same dgemm call for 2-D float64 operands, a transposed view becoming a transpose flag.
xt::xarray<double> gemm_product(const xt::xarray<double>& a, const xt::xarray<double>& b,
                                bool transpose_a) {
  const std::size_t k = a.dimension() == 2 ? a.shape()[transpose_a ? 0 : 1] : 0;
  if (a.dimension() != 2 || b.dimension() != 2 || b.shape()[0] != k) {
    throw nnkit::Error(fmt::format("matmul: {}{} @ {}: needs two matrices whose inner "
                                   "dimensions agree",
                                   shape_of(a), transpose_a ? ".T" : "", shape_of(b)));
  }
  const std::size_t m = a.shape()[transpose_a ? 1 : 0];
  const std::size_t n = b.shape()[1];
  xt::xarray<double> c = xt::zeros<double>({m, n});
  // [m, k] x [k, n] -> [m, n]; lda/ldb are the stored row lengths of a and b.
  nnkit::kernels::gemm(transpose_a, false, static_cast<std::int64_t>(m),
                       static_cast<std::int64_t>(n), static_cast<std::int64_t>(k), 1.0, a.data(),
                       static_cast<std::int64_t>(a.shape()[1]), b.data(),
                       static_cast<std::int64_t>(n), 0.0, c.data(), static_cast<std::int64_t>(n));
  return c;
}

/// NumPy's `a @ b` for matrices a [m, k], b [k, n] -> [m, n].
[[maybe_unused]] xt::xarray<double> matmul(const xt::xarray<double>& a,
                                           const xt::xarray<double>& b) {
  return gemm_product(a, b, false);
}

/// NumPy's `a.T @ b` for a [k, m], b [k, n] -> [m, n], without copying the transpose.
[[maybe_unused]] xt::xarray<double> matmul_tn(const xt::xarray<double>& a,
                                              const xt::xarray<double>& b) {
  return gemm_product(a, b, true);
}

/// NumPy's `np.sum` of n contiguous doubles (`DOUBLE_pairwise_sum`), e.g. one row of an
/// [N, C] array in `np.sum(e, axis=1)`: below 8 terms a plain loop; up to 128, eight
/// interleaved partial sums combined as a tree; above, two halves (a multiple of 8).
[[maybe_unused]] double numpy_row_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) total += a[i];
    return total;
  }
  if (n <= 128) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8) {
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) total += a[i];
    return total;
  }
  std::size_t half = n / 2;
  half -= half % 8;
  return numpy_row_sum(a, half) + numpy_row_sum(a + half, n - half);
}

}  // namespace

LogisticRegression::LogisticRegression(std::size_t input_size, std::size_t output_size,
                                       std::uint32_t random_seed) {
  // np.random.seed(random_seed); W = np.random.randn(input_size, output_size) * 0.01
  nnkit::numpy::RandomState rng(random_seed);
  W = rng.randn(input_size, output_size) * 0.01;
  b = xt::zeros<double>({std::size_t{1}, output_size});
}

xt::xarray<double> LogisticRegression::predict_proba(const xt::xarray<double>& X) const {
  require_columns("predict_proba", "X", X, W.shape()[0]);
  // 1.1 LogisticRegression::predict_proba
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 1.1 LogisticRegression::predict_proba");
  // <<< END OF YOUR CODE <<<
}

void LogisticRegression::train(const xt::xarray<double>& X, const xt::xarray<double>& Y_onehot,
                               std::size_t epochs, double lr) {
  require_columns("train", "X", X, W.shape()[0]);
  require_columns("train", "Y_onehot", Y_onehot, W.shape()[1]);
  if (Y_onehot.shape()[0] != X.shape()[0] || X.shape()[0] == 0) {
    throw nnkit::Error(fmt::format("LogisticRegression::train: X {} and Y_onehot {} need the "
                                   "same number of rows, at least one",
                                   shape_of(X), shape_of(Y_onehot)));
  }
  // 1.2 LogisticRegression::train
  // >>> YOUR CODE HERE >>>
  (void)epochs; (void)lr;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 1.2 LogisticRegression::train");
  // <<< END OF YOUR CODE <<<
}

xt::xarray<std::int64_t> LogisticRegression::predict(const xt::xarray<double>& X) const {
  const xt::xarray<double> p = predict_proba(X);
  const std::size_t rows = p.shape()[0];
  const std::size_t cols = p.shape()[1];
  xt::xarray<std::int64_t> labels = xt::zeros<std::int64_t>({rows});
  for (std::size_t r = 0; r < rows; ++r) {
    const double* row = p.data() + r * cols;
    // std::max_element returns the first maximum, as np.argmax does.
    labels(r) = std::max_element(row, row + cols) - row;
  }
  return labels;
}

double LogisticRegression::accuracy(const xt::xarray<double>& X,
                                    const xt::xarray<double>& Y_onehot) const {
  require_columns("accuracy", "Y_onehot", Y_onehot, W.shape()[1]);
  if (Y_onehot.shape()[0] != X.shape()[0] || X.shape()[0] == 0) {
    throw nnkit::Error(fmt::format("LogisticRegression::accuracy: X {} and Y_onehot {} need the "
                                   "same number of rows, at least one",
                                   shape_of(X), shape_of(Y_onehot)));
  }
  const xt::xarray<std::int64_t> predicted = predict(X);
  const std::size_t rows = Y_onehot.shape()[0];
  const std::size_t cols = Y_onehot.shape()[1];
  std::size_t correct = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double* y = Y_onehot.data() + r * cols;
    correct += predicted(r) == std::max_element(y, y + cols) - y;
  }
  return static_cast<double>(correct) / static_cast<double>(rows);
}
