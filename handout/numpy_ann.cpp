// Part 1 — NumpyANN: the bodies (items 1.1–1.9).
//
// Your code goes between the `>>> YOUR CODE HERE >>>` and `<<< END OF YOUR CODE <<<`
// lines; everything else is given. The given helpers below (matmul, matmul_tn, matmul_nt,
// numpy_sum) compute what NumPy computes for the same expression, in the same order, so a
// correct network reproduces NumPy's run of the homework to the last printed digit.
#include "numpy_ann.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include <nnkit/error.hpp>
#include <nnkit/kernels/gemm.hpp>
#include <nnkit/random/numpy_random_state.hpp>

namespace {

/// "[2, 5]" for error messages.
std::string shape_of(const xt::xarray<double>& a) {
  return fmt::format("[{}]", fmt::join(a.shape(), ", "));
}

/// A dimension require_shape accepts whatever its size.
constexpr std::size_t any_size = static_cast<std::size_t>(-1);

/// Throws nnkit::Error unless `a` is a matrix [rows, cols] (either may be any_size).
void require_shape(const char* where, const char* name, const xt::xarray<double>& a,
                   std::size_t rows, std::size_t cols) {
  const bool ok = a.dimension() == 2 && (rows == any_size || a.shape()[0] == rows) &&
                  (cols == any_size || a.shape()[1] == cols);
  if (!ok) {
    throw nnkit::Error(fmt::format("NumpyANN::{}: {} has shape {}, expected [{}, {}]", where, name,
                                   shape_of(a), rows == any_size ? "N" : std::to_string(rows),
                                   cols == any_size ? "C" : std::to_string(cols)));
  }
}

/// op(a)·op(b) through the one gemm helper (OpenBLAS dgemm): NumPy's matmul makes the same
/// dgemm call for 2-D float64 operands, a transposed view becoming a transpose flag.
xt::xarray<double> gemm_product(const xt::xarray<double>& a, const xt::xarray<double>& b,
                                bool transpose_a, bool transpose_b) {
  if (a.dimension() != 2 || b.dimension() != 2) {
    throw nnkit::Error(fmt::format("matmul needs two matrices, got {} and {}", shape_of(a),
                                   shape_of(b)));
  }
  const std::size_t m = transpose_a ? a.shape()[1] : a.shape()[0];
  const std::size_t k = transpose_a ? a.shape()[0] : a.shape()[1];
  const std::size_t k_b = transpose_b ? b.shape()[1] : b.shape()[0];
  const std::size_t n = transpose_b ? b.shape()[0] : b.shape()[1];
  if (k != k_b) {
    throw nnkit::Error(fmt::format("matmul: {}{} @ {}{}: inner dimensions {} and {} differ",
                                   shape_of(a), transpose_a ? ".T" : "", shape_of(b),
                                   transpose_b ? ".T" : "", k, k_b));
  }
  xt::xarray<double> c = xt::zeros<double>({m, n});
  // [m, k] x [k, n] -> [m, n]; lda/ldb are the stored row lengths of a and b.
  nnkit::kernels::gemm(transpose_a, transpose_b, static_cast<std::int64_t>(m),
                       static_cast<std::int64_t>(n), static_cast<std::int64_t>(k), 1.0, a.data(),
                       static_cast<std::int64_t>(a.shape()[1]), b.data(),
                       static_cast<std::int64_t>(b.shape()[1]), 0.0, c.data(),
                       static_cast<std::int64_t>(n));
  return c;
}

/// NumPy's `a @ b` for matrices a [m, k], b [k, n] -> [m, n].
[[maybe_unused]] xt::xarray<double> matmul(const xt::xarray<double>& a,
                                           const xt::xarray<double>& b) {
  return gemm_product(a, b, false, false);
}

/// NumPy's `a.T @ b` for a [k, m], b [k, n] -> [m, n], without copying the transpose.
[[maybe_unused]] xt::xarray<double> matmul_tn(const xt::xarray<double>& a,
                                              const xt::xarray<double>& b) {
  return gemm_product(a, b, true, false);
}

/// NumPy's `a @ b.T` for a [m, k], b [n, k] -> [m, n], without copying the transpose.
[[maybe_unused]] xt::xarray<double> matmul_nt(const xt::xarray<double>& a,
                                              const xt::xarray<double>& b) {
  return gemm_product(a, b, false, true);
}

/// NumPy's pairwise summation of n contiguous doubles (`DOUBLE_pairwise_sum`): below 8
/// terms a plain loop; up to 128, eight interleaved partial sums combined as a tree; above,
/// split in two halves (a multiple of 8) and recurse.
double pairwise_sum(const double* a, std::size_t n) {
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
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

/// NumPy's `np.sum(a)` over every element of a contiguous float64 array: pairwise sums of
/// blocks of 8192 elements (NumPy's buffer size), added in order. Use it for the loss so it
/// prints the same digits as NumPy's.
[[maybe_unused]] double numpy_sum(const xt::xarray<double>& a) {
  constexpr std::size_t block = 8192;
  double total = 0.0;
  for (std::size_t start = 0; start < a.size(); start += block) {
    total += pairwise_sum(a.data() + start, std::min(block, a.size() - start));
  }
  return total;
}

}  // namespace

NumpyANN::NumpyANN(std::size_t input_size, std::size_t hidden_size, std::size_t output_size,
                   double lr, std::uint32_t random_seed) {
  // 1.1 NumpyANN::NumpyANN
  // >>> YOUR CODE HERE >>>
  // unused until your code replaces this stub
  (void)input_size; (void)hidden_size; (void)output_size; (void)lr; (void)random_seed;
  throw std::logic_error("not implemented: 1.1 NumpyANN::NumpyANN");
  // <<< END OF YOUR CODE <<<
}

xt::xarray<double> NumpyANN::_relu(const xt::xarray<double>& z) const {
  // 1.2 NumpyANN::_relu
  // >>> YOUR CODE HERE >>>
  (void)z;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 1.2 NumpyANN::_relu");
  // <<< END OF YOUR CODE <<<
}

xt::xarray<double> NumpyANN::_relu_grad(const xt::xarray<double>& z) const {
  // 1.3 NumpyANN::_relu_grad
  // >>> YOUR CODE HERE >>>
  (void)z;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 1.3 NumpyANN::_relu_grad");
  // <<< END OF YOUR CODE <<<
}

xt::xarray<double> NumpyANN::_softmax(const xt::xarray<double>& z) const {
  if (z.dimension() != 2 || z.shape()[1] == 0) {
    throw nnkit::Error(fmt::format("NumpyANN::_softmax: z has shape {}, expected [N, C] with C > 0",
                                   shape_of(z)));
  }
  const std::size_t rows = z.shape()[0];
  const std::size_t cols = z.shape()[1];
  auto out = xt::xarray<double>::from_shape({rows, cols});
  for (std::size_t r = 0; r < rows; ++r) {
    const double* in = z.data() + r * cols;
    double* row = out.data() + r * cols;
    const double max = *std::max_element(in, in + cols);
    for (std::size_t c = 0; c < cols; ++c) row[c] = std::exp(in[c] - max);
    // np.sum(exp_z, axis=1) sums each row pairwise; a plain loop would differ in the last bit.
    const double total = pairwise_sum(row, cols);
    for (std::size_t c = 0; c < cols; ++c) row[c] /= total;
  }
  return out;
}

double NumpyANN::_cross_entropy(const xt::xarray<double>& y_pred,
                                const xt::xarray<double>& y_true) const {
  require_shape("_cross_entropy", "y_true", y_true, any_size, any_size);
  if (y_pred.shape() != y_true.shape()) {
    throw nnkit::Error(fmt::format("NumpyANN::_cross_entropy: y_pred {} and y_true {} differ in "
                                   "shape",
                                   shape_of(y_pred), shape_of(y_true)));
  }
  // 1.4 NumpyANN::_cross_entropy
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 1.4 NumpyANN::_cross_entropy");
  // <<< END OF YOUR CODE <<<
}

xt::xarray<double> NumpyANN::_forward(const xt::xarray<double>& X, bool training) {
  require_shape("_forward", "X", X, any_size, input_size);
  // 1.5 NumpyANN::_forward
  // >>> YOUR CODE HERE >>>
  (void)training;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 1.5 NumpyANN::_forward");
  // <<< END OF YOUR CODE <<<
}

void NumpyANN::_backward(const xt::xarray<double>& X, const xt::xarray<double>& y_true) {
  require_shape("_backward", "X", X, any_size, input_size);
  require_shape("_backward", "y_true", y_true, X.shape()[0], output_size);
  if (a2.dimension() != 2 || a2.shape()[0] != X.shape()[0] || z1.dimension() != 2 ||
      z1.shape()[0] != X.shape()[0]) {
    throw nnkit::Error(fmt::format(
        "NumpyANN::_backward: no stored forward pass for these {} samples (a2 is {}); call "
        "_forward(X) with training = true on the same X first",
        X.shape()[0], shape_of(a2)));
  }
  // 1.6 NumpyANN::_backward
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 1.6 NumpyANN::_backward");
  // <<< END OF YOUR CODE <<<
}

void NumpyANN::train(const xt::xarray<double>& X_train, const xt::xarray<double>& y_train,
                     const xt::xarray<double>& X_val, const xt::xarray<double>& y_val,
                     std::size_t epochs, std::size_t batch_size, std::ostream& out) {
  require_shape("train", "X_train", X_train, any_size, input_size);
  require_shape("train", "y_train", y_train, X_train.shape()[0], output_size);
  require_shape("train", "X_val", X_val, any_size, input_size);
  require_shape("train", "y_val", y_val, X_val.shape()[0], output_size);
  if (batch_size == 0) throw nnkit::Error("NumpyANN::train: batch_size must be at least 1");
  // 1.7 NumpyANN::train
  // >>> YOUR CODE HERE >>>
  (void)epochs; (void)out;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 1.7 NumpyANN::train");
  // <<< END OF YOUR CODE <<<
}

xt::xarray<double> NumpyANN::predict(const xt::xarray<double>& X) {
  // 1.8 NumpyANN::predict
  // >>> YOUR CODE HERE >>>
  (void)X;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 1.8 NumpyANN::predict");
  // <<< END OF YOUR CODE <<<
}

double NumpyANN::accuracy(const xt::xarray<double>& X, const xt::xarray<double>& y_true) {
  require_shape("accuracy", "X", X, any_size, input_size);
  require_shape("accuracy", "y_true", y_true, X.shape()[0], output_size);
  if (X.shape()[0] == 0) throw nnkit::Error("NumpyANN::accuracy: X has no rows");
  // 1.9 NumpyANN::accuracy
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 1.9 NumpyANN::accuracy");
  // <<< END OF YOUR CODE <<<
}

std::string NumpyANN::progress_line(std::size_t epoch, std::size_t epochs, double train_loss,
                                    double train_accuracy, double val_loss, double val_accuracy) {
  return fmt::format(
      "[{} / {}] | Train Loss: {:.5f} | Train Accuracy: {:.5f} | Val Loss: {:.5f} | "
      "Val Accuracy: {:.5f}",
      epoch, epochs, train_loss, train_accuracy, val_loss, val_accuracy);
}
