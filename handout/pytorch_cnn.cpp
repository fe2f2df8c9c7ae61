// Part 3 — PyTorchCNN: the bodies (items 3.1 and 3.3).
//
// Your code goes between the `>>> YOUR CODE HERE >>>` and `<<< END OF YOUR CODE <<<`
// lines; everything else is given. The given train() is the original homework's, line for
// line: read it, it is the loop your constructor's model will be trained by.
#include "pytorch_cnn.hpp"

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/batch_norm.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/dropout.hpp>
#include <nnkit/nn/flatten.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/nn/loss.hpp>
#include <nnkit/nn/pooling.hpp>
#include <nnkit/optim/adam.hpp>
#include <nnkit/random/generator.hpp>

namespace nn = nnkit::nn;
using nnkit::Tensor;

namespace {

/// Throws nnkit::Error unless X is a batch of one-channel images [N, 1, H, W] with N > 0.
void require_images(const char* where, const char* name, const Tensor& X) {
  if (X.dim() != 4 || X.size(0) == 0 || X.size(1) != 1 || X.dtype() != nnkit::Dtype::Float32) {
    throw nnkit::Error(fmt::format("PyTorchCNN::{}: {} has shape {}, expected float32 images "
                                   "[N, 1, 28, 28] with N > 0",
                                   where, name, nnkit::to_string(X.shape())));
  }
}

/// Throws nnkit::Error unless y is one-hot labels [rows, classes] (float32).
void require_labels(const char* where, const char* name, const Tensor& y, std::int64_t rows,
                    std::int64_t classes) {
  if (y.dim() != 2 || y.size(0) != rows || y.size(1) != classes ||
      y.dtype() != nnkit::Dtype::Float32) {
    throw nnkit::Error(fmt::format("PyTorchCNN::{}: {} has shape {}, expected one-hot float32 "
                                   "labels [{}, {}]",
                                   where, name, nnkit::to_string(y.shape()), rows, classes));
  }
}

}  // namespace

PyTorchCNN::PyTorchCNN(int num_classes, int random_seed) {
  // 3.1 PyTorchCNN::PyTorchCNN
  // >>> YOUR CODE HERE >>>
  (void)num_classes; (void)random_seed;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 3.1 PyTorchCNN::PyTorchCNN");
  // <<< END OF YOUR CODE <<<
}

Tensor PyTorchCNN::forward(const Tensor& X) {
  return model(X);
}

void PyTorchCNN::train(const Tensor& X_train, const Tensor& y_train, const Tensor& X_val,
                       const Tensor& y_val, int epochs, double learning_rate, std::ostream& log) {
  require_images("train", "X_train", X_train);
  require_labels("train", "y_train", y_train, X_train.size(0), num_classes);
  require_images("train", "X_val", X_val);
  require_labels("train", "y_val", y_val, X_val.size(0), num_classes);
  if (epochs < 0) throw nnkit::Error(fmt::format("PyTorchCNN::train: epochs = {} < 0", epochs));

  nn::CrossEntropyLoss criterion;
  nnkit::optim::Adam optimizer(model.parameters(), learning_rate);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    // One full-batch step: all training images at once, dropout and batch statistics on.
    model.train();
    optimizer.zero_grad();
    Tensor outputs = forward(X_train);            // [N_train, num_classes]
    Tensor loss = criterion(outputs, y_train);    // one-hot rows as class probabilities
    loss.backward();
    optimizer.step();
    // The loss of the batch the step was computed on (before the step, with dropout), as
    // the original records it; the accuracies below see the model after the step.
    const double train_loss = loss.item();
    const double train_accuracy = accuracy(X_train, y_train);
    double val_loss = 0.0, val_accuracy = 0.0;
    {
      model.eval();
      nnkit::NoGradGuard no_grad;
      val_loss = criterion(forward(X_val), y_val).item();
      val_accuracy = accuracy(X_val, y_val);
    }
    train_val_metrics.train_losses.push_back(train_loss);
    train_val_metrics.train_accs.push_back(train_accuracy);
    train_val_metrics.val_losses.push_back(val_loss);
    train_val_metrics.val_accs.push_back(val_accuracy);
    log << progress_line(epoch, epochs, train_loss, train_accuracy, val_loss, val_accuracy)
        << std::endl;  // flushed: a CNN epoch takes seconds, show it as it happens
  }
}

Tensor PyTorchCNN::predict(const Tensor& X) {
  require_images("predict", "X", X);
  model.eval();
  nnkit::NoGradGuard no_grad;
  return forward(X).argmax(1);  // [N] Int64
}

double PyTorchCNN::accuracy(const Tensor& X, const Tensor& y) {
  require_images("accuracy", "X", X);
  require_labels("accuracy", "y", y, X.size(0), num_classes);
  return predict(X).eq(y.argmax(1)).mean().item();
}

std::filesystem::path PyTorchCNN::plot_train_val_metrics(const std::filesystem::path& out_dir) const {
  const std::filesystem::path png = out_dir / "pytorch_cnn_train_val_metrics.png";
  scaffold::save_train_val_plot(train_val_metrics, png, "Train/Val Metrics");
  return png;
}

std::string PyTorchCNN::report_my_judgement() const {
  // 3.3 PyTorchCNN::report_my_judgement
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 3.3 PyTorchCNN::report_my_judgement");
  // <<< END OF YOUR CODE <<<
}

std::string PyTorchCNN::progress_line(int epoch, int epochs, double train_loss,
                                      double train_accuracy, double val_loss,
                                      double val_accuracy) {
  return fmt::format(
      "[{} / {}] | Train Loss: {:.5f} | Train Accuracy: {:.5f} | Val Loss: {:.5f} | "
      "Val Accuracy: {:.5f}",
      epoch, epochs, train_loss, train_accuracy, val_loss, val_accuracy);
}
