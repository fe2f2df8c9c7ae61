#pragma once
/// Part 1 of the assignment (NumpyANN, 18 points): a 784-64-10
/// network with a ReLU hidden layer and a softmax output, written from scratch on
/// `xt::xarray<double>` the way the original homework wrote it in NumPy, and trained by
/// plain mini-batch gradient descent.
///
/// Names, shapes and defaults are the homework's. Arrays are float64, row-major; a batch
/// of samples is a matrix [N, features], labels are one-hot [N, classes], and the biases
/// are row vectors [1, n] that broadcast over the rows, as in NumPy.
///
/// The examples below are the values NumPy 1.24 prints for the same calls with seed 42
/// (the instructors' NumPy script writes them to numpy_ann.json; the public
/// tests and the program numpy_ann check them). Your bodies go in numpy_ann.cpp.
///
/// Item 1.10 is the assignment's run (the program numpy_ann: `make numpy_ann`) with the
/// assignment's hyper-parameters: its test accuracy must reach the part's threshold in
/// README.md, and its training loss after the last epoch must be at most half the
/// untrained network's.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <string>

#include <xtensor/xarray.hpp>

/// Mirrors the homework's `NumpyANN(input_size, hidden_size, output_size, lr, random_seed=42)`.
///
/// Example:
///   NumpyANN net(5, 3, 2, 0.01);
///   net.W1  ->  [[ 0.00496714, -0.00138264,  0.00647689],
///                [ 0.0152303 , -0.00234153, -0.00234137],
///                [ 0.01579213,  0.00767435, -0.00469474],
///                [ 0.0054256 , -0.00463418, -0.0046573 ],
///                [ 0.00241962, -0.0191328 , -0.01724918]]
///   net.W2  ->  [[-0.00562288, -0.01012831],
///                [ 0.00314247, -0.00908024],
///                [-0.01412304,  0.01465649]]
///   net.b1  ->  [[0., 0., 0.]]        net.b2  ->  [[0., 0.]]
class NumpyANN {
public:
  /// 1.1 Stores the sizes and `lr`; seeds a NumPy-style generator with `random_seed`
  /// (nnkit::numpy::RandomState, bit-identical to `np.random.seed`), then draws
  /// W1 = randn(input_size, hidden_size) * 0.01 [input, hidden], b1 = zeros [1, hidden],
  /// W2 = randn(hidden_size, output_size) * 0.01 [hidden, output], b2 = zeros [1, output]
  /// — W1 first, from the same stream.
  NumpyANN(std::size_t input_size, std::size_t hidden_size, std::size_t output_size, double lr,
           std::uint32_t random_seed = 42);

  /// 1.2 `np.maximum(0, z)`, elementwise, any shape.
  /// Example: net._relu([-1, 0, 1]) -> [0., 0., 1.]
  xt::xarray<double> _relu(const xt::xarray<double>& z) const;

  /// 1.3 The derivative of ReLU, elementwise, any shape: 1 where z > 0, else 0 (0 at z = 0).
  /// However tiny or huge z is: 1 for a subnormal such as 5e-324 and for +inf, 0 for −0
  /// and −inf.
  /// Example: net._relu_grad([-1, 0, 1]) -> [0., 0., 1.]
  xt::xarray<double> _relu_grad(const xt::xarray<double>& z) const;

  /// Given. Row-wise softmax of z [N, C]: exp(z − row max) / row sum, as NumPy computes it
  /// (subtracting the max keeps exp from overflowing; the row sums add in NumPy's order).
  /// Example: net._softmax([[1, 2, 3], [-1, 0, 1000]])
  ///          -> [[0.09003057, 0.24472847, 0.66524096],
  ///              [0.        , 0.        , 1.        ]]
  xt::xarray<double> _softmax(const xt::xarray<double>& z) const;

  /// 1.4 Cross-entropy of predicted probabilities y_pred [N, C] against one-hot y_true
  /// [N, C]: −Σ y_true · log(y_pred) over all elements, divided by N (the rows, not the
  /// classes). y_true may also hold soft labels (rows of probabilities): every element
  /// counts. Take log(y_pred) as it is, with no clipping and no epsilon added: a
  /// probability near 1e-261 (from logits 600 apart) must give its exact log, about −600.
  /// Example: net._cross_entropy([[.5, .5], [.5, .5]], [[1, 0], [0, 1]]) -> 0.6931471805599453
  double _cross_entropy(const xt::xarray<double>& y_pred, const xt::xarray<double>& y_true) const;

  /// 1.5 Forward pass of X [N, input_size]; returns a2 [N, output_size]:
  ///   z1 = X·W1 + b1 [N, hidden], a1 = relu(z1), z2 = a1·W2 + b2 [N, output],
  ///   a2 = softmax(z2).
  /// The biases count: they are zero only until the first training step.
  /// Use the given _softmax: a2 must stay finite for logits near 1000.
  /// With training = true it keeps z1, a1, z2, a2 on the object for _backward; with
  /// training = false it leaves them untouched.
  /// Example (net = NumpyANN(5, 3, 2, 0.01)):
  ///   net._forward([[1, 2, 3, 4, 5]]) -> [[0.50013134, 0.49986866]]
  ///   net.z1                          -> [[ 0.11660464, -0.09724339, -0.11716517]]
  xt::xarray<double> _forward(const xt::xarray<double>& X, bool training = true);

  /// 1.6 Backward pass for the batch X [m, input_size] with one-hot y_true [m, output_size],
  /// after _forward(X) stored z1, a1, z2, a2:
  ///   dz2 = a2 − y_true; dW2 = a1ᵀ·dz2 / m; db2 = column sums of dz2 / m;
  ///   dz1 = (dz2·W2ᵀ) ⊙ relu_grad(z1); dW1 = Xᵀ·dz1 / m; db1 = column sums of dz1 / m;
  /// all gradients first, then θ ← θ − lr·dθ for W2, b2, W1, b1.
  /// m is the number of rows of this X: the last batch of an epoch may be shorter.
  /// Example (continuing the _forward example):
  ///   net._backward([[1, 2, 3, 4, 5]], [[0, 1]]);
  ///   net.W2 -> [[-0.00620605, -0.00954513],
  ///              [ 0.00314247, -0.00908024],
  ///              [-0.01412304,  0.01465649]]
  ///   net.b2 -> [[-0.00500131,  0.00500131]]
  void _backward(const xt::xarray<double>& X, const xt::xarray<double>& y_true);

  /// 1.7 Trains for `epochs` epochs. Each epoch: consecutive mini-batches of `batch_size`
  /// rows in order, no shuffling (the last one may be smaller: 10 rows with batch 4 make
  /// batches 0–3, 4–7, 8–9; a batch_size of 1, or one larger than the set, works too),
  /// _forward + _backward on each; then the loss and accuracy on the full training and
  /// validation sets (forward with training = false). Every 10th epoch
  /// it writes progress_line(...) and a newline to `out`:
  ///   [10 / 250] | Train Loss: 1.90291 | Train Accuracy: 0.37800 | Val Loss: 1.89123 | Val Accuracy: 0.35000
  /// (that is the first line of the assignment's run, hidden 64, lr 0.01, batch 64).
  void train(const xt::xarray<double>& X_train, const xt::xarray<double>& y_train,
             const xt::xarray<double>& X_val, const xt::xarray<double>& y_val,
             std::size_t epochs, std::size_t batch_size, std::ostream& out = std::cout);

  /// 1.8 Class probabilities [N, output_size] for X [N, input_size]: the forward pass with
  /// training = false.
  /// Example (after the _backward example): net.predict([[1, 2, 3, 4, 5]])
  ///   -> [[0.49759565, 0.50240435]]
  xt::xarray<double> predict(const xt::xarray<double>& X);

  /// 1.9 The fraction of rows whose predicted class (argmax of predict(X), first maximum
  /// on ties) equals the labelled class (argmax of the one-hot y_true).
  /// Example (after the _backward example; every row is predicted as class 1):
  ///   net.accuracy([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [-1, 0, 1, 0, -1]],
  ///                [[0, 1], [1, 0], [0, 1]]) -> 0.6666666666666666
  double accuracy(const xt::xarray<double>& X, const xt::xarray<double>& y_true);

  /// Given. The homework's progress line, numbers to 5 decimals:
  /// "[epoch / epochs] | Train Loss: … | Train Accuracy: … | Val Loss: … | Val Accuracy: …"
  static std::string progress_line(std::size_t epoch, std::size_t epochs, double train_loss,
                                   double train_accuracy, double val_loss, double val_accuracy);

  std::size_t input_size = 0;
  std::size_t hidden_size = 0;
  std::size_t output_size = 0;
  double lr = 0.0;

  xt::xarray<double> W1;  ///< [input_size, hidden_size]
  xt::xarray<double> b1;  ///< [1, hidden_size]
  xt::xarray<double> W2;  ///< [hidden_size, output_size]
  xt::xarray<double> b2;  ///< [1, output_size]

  /// What the last _forward(X, training = true) computed, for _backward.
  xt::xarray<double> z1;  ///< [N, hidden_size]
  xt::xarray<double> a1;  ///< [N, hidden_size]
  xt::xarray<double> z2;  ///< [N, output_size]
  xt::xarray<double> a2;  ///< [N, output_size]
};
