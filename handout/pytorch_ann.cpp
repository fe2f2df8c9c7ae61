// Part 2 — PyTorchANN: the bodies (items 2.1–2.7).
//
// Your code goes between the `>>> YOUR CODE HERE >>>` and `<<< END OF YOUR CODE <<<`
// lines; everything else is given. nnkit mirrors the torch calls of the original homework
// one for one (torch.manual_seed -> nnkit::manual_seed, nn.Linear -> nnkit::nn::Linear,
// torch.no_grad() -> nnkit::NoGradGuard, tensor.split / argmax / item as in torch), so a
// correct body reproduces PyTorch's run of the homework.
#include "pytorch_ann.hpp"

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/nn/loss.hpp>
#include <nnkit/optim/sgd.hpp>
#include <nnkit/random/generator.hpp>

#include "train_val_metrics.hpp"

namespace {

/// Throws nnkit::Error unless `t` is a float32 matrix [rows, cols] (rows < 0: any).
void require_matrix(const char* where, const char* name, const nnkit::Tensor& t,
                    std::int64_t rows, std::int64_t cols) {
  const bool ok = t.defined() && t.dtype() == nnkit::Dtype::Float32 && t.dim() == 2 &&
                  (rows < 0 || t.size(0) == rows) && t.size(1) == cols;
  if (!ok) {
    throw nnkit::Error(fmt::format(
        "PyTorchANN::{}: {} is {}, expected a float32 tensor [{}, {}]", where, name,
        !t.defined() ? "undefined"
                     : (t.dtype() == nnkit::Dtype::Int64 ? "int64 " : "float32 ") +
                           nnkit::to_string(t.shape()),
        rows < 0 ? "N" : std::to_string(rows), cols));
  }
}

}  // namespace

PyTorchANN::PyTorchANN(int input_size, int hidden_size, int output_size, int random_seed) {
  // 2.1 PyTorchANN::PyTorchANN
  // >>> YOUR CODE HERE >>>
  // unused until your code replaces this stub
  (void)input_size; (void)hidden_size; (void)output_size; (void)random_seed;
  throw std::logic_error("not implemented: 2.1 PyTorchANN::PyTorchANN");
  // <<< END OF YOUR CODE <<<
}

nnkit::Tensor PyTorchANN::forward(const nnkit::Tensor& X) {
  // 2.2 PyTorchANN::forward
  // >>> YOUR CODE HERE >>>
  (void)X;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 2.2 PyTorchANN::forward");
  // <<< END OF YOUR CODE <<<
}

void PyTorchANN::train(const nnkit::Tensor& X_train, const nnkit::Tensor& y_train,
                       const nnkit::Tensor& X_val, const nnkit::Tensor& y_val, int epochs,
                       int batch_size, double learning_rate, std::ostream& log) {
  require_matrix("train", "X_train", X_train, -1, input_size);
  require_matrix("train", "y_train", y_train, X_train.size(0), output_size);
  require_matrix("train", "X_val", X_val, -1, input_size);
  require_matrix("train", "y_val", y_val, X_val.size(0), output_size);
  if (batch_size < 1) throw nnkit::Error("PyTorchANN::train: batch_size must be at least 1");
  if (X_train.size(0) == 0 || X_val.size(0) == 0) {
    throw nnkit::Error("PyTorchANN::train: the training and validation sets must not be empty");
  }
  // 2.3 PyTorchANN::train
  // >>> YOUR CODE HERE >>>
  (void)epochs; (void)learning_rate; (void)log;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 2.3 PyTorchANN::train");
  // <<< END OF YOUR CODE <<<
}

nnkit::Tensor PyTorchANN::predict(const nnkit::Tensor& X) {
  // 2.4 PyTorchANN::predict
  // >>> YOUR CODE HERE >>>
  (void)X;  // unused until your code replaces this stub
  throw std::logic_error("not implemented: 2.4 PyTorchANN::predict");
  // <<< END OF YOUR CODE <<<
}

double PyTorchANN::accuracy(const nnkit::Tensor& X, const nnkit::Tensor& y) {
  require_matrix("accuracy", "X", X, -1, input_size);
  require_matrix("accuracy", "y", y, X.size(0), output_size);
  if (X.size(0) == 0) throw nnkit::Error("PyTorchANN::accuracy: X has no rows");
  const nnkit::Tensor predicted = predict(X);
  if (predicted.dtype() != nnkit::Dtype::Int64 || predicted.shape() != nnkit::Shape{X.size(0)}) {
    throw nnkit::Error(fmt::format("PyTorchANN::accuracy: predict(X) returned {} {}, expected "
                                   "class indices: an int64 tensor [{}]",
                                   predicted.dtype() == nnkit::Dtype::Int64 ? "int64" : "float32",
                                   nnkit::to_string(predicted.shape()), X.size(0)));
  }
  // (predictions == torch.argmax(y, dim=1)).float().mean().item(): a float32 mean, as torch.
  return predicted.eq(y.argmax(1)).to_float().mean().item();
}

void PyTorchANN::plot_train_val_metrics(const std::string& out_dir) {
  std::filesystem::create_directories(out_dir.empty() ? "." : out_dir);
  // 2.5 PyTorchANN::plot_train_val_metrics
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 2.5 PyTorchANN::plot_train_val_metrics");
  // <<< END OF YOUR CODE <<<
}

std::string PyTorchANN::report_my_judgement() const {
  // 2.7 PyTorchANN::report_my_judgement
  // >>> YOUR CODE HERE >>>
  throw std::logic_error("not implemented: 2.7 PyTorchANN::report_my_judgement");
  // <<< END OF YOUR CODE <<<
}

std::string PyTorchANN::progress_line(int epoch, int epochs, double train_loss,
                                      double train_accuracy, double val_loss,
                                      double val_accuracy) {
  return fmt::format(
      "[{} / {}] | Train Loss: {:.5f} | Train Accuracy: {:.5f} | Val Loss: {:.5f} | "
      "Val Accuracy: {:.5f}",
      epoch, epochs, train_loss, train_accuracy, val_loss, val_accuracy);
}
