#pragma once
/// The assignment (LogisticRegression, 4 points): softmax regression on Fashion-MNIST,
/// written from scratch on `xt::xarray<double>` the way one writes it in NumPy, and
/// trained by full-batch gradient descent.
///
/// Arrays are float64, row-major; a batch of samples is a matrix [N, features], labels are
/// one-hot [N, classes], and the bias is a row vector [1, classes] that broadcasts over
/// the rows, as in NumPy.
///
/// The examples below are the values NumPy 1.24 prints for the same calls with seed 42
/// (golden/logistic_regression.json holds them in full; the public tests check them).
/// Your bodies go in logistic_regression.cpp.
#include <cstddef>
#include <cstdint>

#include <xtensor/xarray.hpp>

/// Mirrors a NumPy `LogisticRegression(input_size, output_size, random_seed=42)`: one
/// linear layer X·W + b followed by a row-wise softmax.
///
/// Example:
///   LogisticRegression model(5, 3);
///   model.W  ->  [[ 0.00496714, -0.00138264,  0.00647689],
///                 [ 0.0152303 , -0.00234153, -0.00234137],
///                 [ 0.01579213,  0.00767435, -0.00469474],
///                 [ 0.0054256 , -0.00463418, -0.0046573 ],
///                 [ 0.00241962, -0.0191328 , -0.01724918]]
///   model.b  ->  [[0., 0., 0.]]
class LogisticRegression {
public:
  /// Given. Seeds a NumPy-style generator with `random_seed` (nnkit::numpy::RandomState,
  /// bit-identical to `np.random.seed`), then draws W = randn(input_size, output_size)
  /// * 0.01 [input, output]; b = zeros [1, output].
  LogisticRegression(std::size_t input_size, std::size_t output_size,
                     std::uint32_t random_seed = 42);

  /// 1.1 Class probabilities [N, output] for X [N, input]: the row-wise softmax of the
  /// logits z = X·W + b, computed as exp(z − row max) / row sum. Subtracting the row
  /// maximum is required, not an optimisation: the result must stay finite for logits of
  /// any size (z near ±1000 makes exp overflow to inf or underflow to 0 otherwise).
  /// Example (model = LogisticRegression(5, 3)):
  ///   model.predict_proba([[1, 2, 3, 4, 5], [-1, 0, 1, 0, -1]])
  ///     -> [[0.38476114, 0.31068349, 0.30455537],
  ///         [0.331383  , 0.33800451, 0.3306125 ]]
  ///   with model.b = [[1000, 1001, 1002]]:
  ///   model.predict_proba([[0, 0, 0, 0, 0]]) -> [[0.09003057, 0.24472847, 0.66524096]]
  /// With xtensor 0.24, store a reduction in an xt::xarray before broadcasting it:
  /// `z - xt::amax(z, {1}, xt::keep_dims)` in one expression gives wrong numbers, while
  /// `const xt::xarray<double> row_max = xt::amax(z, {1}, xt::keep_dims);` and then
  /// `z - row_max` is right (the same holds for xt::sum).
  xt::xarray<double> predict_proba(const xt::xarray<double>& X) const;

  /// 1.2 Full-batch gradient descent on X [m, input] with one-hot Y_onehot [m, output],
  /// `epochs` times. Each epoch, from the current W and b:
  ///   P = predict_proba(X) [m, output]; dW = Xᵀ·(P − Y) / m [input, output];
  ///   db = column sums of (P − Y) / m [1, output];
  /// then W ← W − lr·dW and b ← b − lr·db. epochs = 0 changes nothing.
  /// Example (model = LogisticRegression(5, 3); X, Y the 6 samples of
  /// golden/logistic_regression.json, "train", each labelled by the largest of its first
  /// three features):
  ///   model.train(X, Y, 3, 0.1);
  ///   model.W  ->  [[ 0.16331517, -0.133075  , -0.02017878],
  ///                 [ 0.00598142,  0.01023439, -0.00566842],
  ///                 [-0.02409953, -0.03461422,  0.07748549],
  ///                 [ 0.0947858 , -0.01227841, -0.08637326],
  ///                 [ 0.02930732, -0.07311595,  0.00984627]]
  ///   model.b  ->  [[ 0.04611861, -0.00151721, -0.0446014 ]]
  void train(const xt::xarray<double>& X, const xt::xarray<double>& Y_onehot,
             std::size_t epochs, double lr);

  /// Given. `np.argmax(predict_proba(X), axis=1)`: the predicted class of each row of
  /// X [N, input], shape [N] (the first maximum on ties).
  /// Example (after the train example, on its X): model.predict(X) -> [0, 0, 1, 1, 0, 1]
  xt::xarray<std::int64_t> predict(const xt::xarray<double>& X) const;

  /// Given. The fraction of rows of X [N, input] whose predicted class equals the labelled
  /// class (argmax of the one-hot Y_onehot [N, output]).
  /// Example (after the train example): model.accuracy(X, Y) -> 0.8333333333333334
  double accuracy(const xt::xarray<double>& X, const xt::xarray<double>& Y_onehot) const;

  xt::xarray<double> W;  ///< [input_size, output_size]
  xt::xarray<double> b;  ///< [1, output_size]
};
