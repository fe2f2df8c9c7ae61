#pragma once
/// Part 2 of the assignment (PyTorchANN, 14 points): the
/// 784-32-10 network of part 1 again, this time built from nnkit's PyTorch-shaped modules
/// (nn::Sequential, nn::Linear, nn::ReLU, nn::CrossEntropyLoss, optim::SGD) instead of
/// hand-written NumPy, and trained on float32 tensors.
///
/// Names, shapes and defaults are the homework's. X is a float32 tensor [N, input_size]
/// (pixels / 255, flattened), y is one-hot float32 [N, output_size]. nnkit seeds like
/// torch, so a seeded PyTorchANN holds the weights torch would hold and prints what torch
/// prints.
///
/// The examples below are what PyTorch 1.13 prints for the same calls
/// (the instructors' PyTorch script writes them to pytorch_ann_examples.json, and
/// nnkit's own tests check its seeding against torch's; the public tests and the program
/// pytorch_ann check them). Your bodies go in pytorch_ann.cpp.
///
/// Item 2.6 is the assignment's run (the program pytorch_ann: `make pytorch_ann`) with the
/// assignment's hyper-parameters: its test accuracy must reach the part's threshold in
/// README.md, and its last epoch's training loss must be at most half its first epoch's.
/// The plot of that run (2.5) and your judgement of its curve (2.7) are graded too.
#include <cstdint>
#include <iostream>
#include <string>

#include <nnkit/nn/sequential.hpp>
#include <nnkit/tensor.hpp>

#include "train_val_metrics.hpp"

/// Mirrors the homework's `PyTorchANN(input_size, hidden_size, output_size, random_seed=42)`.
///
/// Example:
///   PyTorchANN net(20, 10, 10);
///   std::cout << net.model;   // prints, as torch does:
///   Sequential(
///     (0): Linear(in_features=20, out_features=10, bias=True)
///     (1): ReLU()
///     (2): Linear(in_features=10, out_features=10, bias=True)
///   )
class PyTorchANN {
public:
  /// 2.1 Stores the sizes and the seed; seeds nnkit's generator with manual_seed(random_seed)
  /// (torch.manual_seed), then builds
  ///   model = Sequential(Linear(input_size, hidden_size), ReLU(), Linear(hidden_size, output_size))
  /// whose parameters are named 0.weight [hidden, input], 0.bias [hidden], 2.weight
  /// [output, hidden], 2.bias [output], as in torch.
  PyTorchANN(int input_size, int hidden_size, int output_size, int random_seed = 42);

  /// 2.2 The model's output (logits, no softmax): X [N, input_size] -> [N, output_size],
  /// or a single sample [input_size] -> [output_size]. Records the autograd graph when
  /// gradients are enabled, as `self.model(X)` does.
  /// Example (the generator continues from the constructor's manual_seed(42)):
  ///   PyTorchANN net(5, 10, 3);
  ///   net.forward(nnkit::rand({5}))
  ///     -> tensor([-0.0675,  0.0238, -0.0057], grad_fn=<AddBackward0>)
  nnkit::Tensor forward(const nnkit::Tensor& X);

  /// 2.3 Trains for `epochs` epochs with nn::CrossEntropyLoss and
  /// optim::SGD(model.parameters(), learning_rate). Each epoch:
  ///  - consecutive mini-batches of `batch_size` rows in order, no shuffling (torch.split:
  ///    130 rows with batch 64 make batches 0–63, 64–127, 128–129; a batch_size of 1, or
  ///    one larger than the set, works too); for each, in train mode:
  ///    zero_grad, forward, loss against the class indices argmax(y_batch, 1), backward, step;
  ///  - then, in eval mode without gradients (NoGradGuard), the loss on the full training
  ///    and validation sets against the one-hot y (class-probability targets) and their
  ///    accuracies, appended to train_val_metrics (train_losses, train_accs, val_losses,
  ///    val_accs);
  ///  - every 5th epoch writes progress_line(...) and a newline to `log`, e.g. the first
  ///    line of the assignment's run:
  ///    [5 / 100] | Train Loss: 0.72125 | Train Accuracy: 0.72550 | Val Loss: 0.65364 | Val Accuracy: 0.76500
  void train(const nnkit::Tensor& X_train, const nnkit::Tensor& y_train,
             const nnkit::Tensor& X_val, const nnkit::Tensor& y_val, int epochs, int batch_size,
             double learning_rate, std::ostream& log = std::cout);

  /// 2.4 Predicted classes for X [N, input_size]: in eval mode and without gradients, the
  /// argmax of the logits over the classes — an Int64 tensor [N]. It switches the model to
  /// eval mode whatever mode it was in, and leaves it there.
  /// Example (continuing the forward example, same generator stream):
  ///   net.predict(nnkit::rand({5, 5}))  ->  tensor([2, 2, 2, 2, 2])
  /// and straight after construction, with no forward before it:
  ///   PyTorchANN fresh(5, 10, 3);
  ///   fresh.predict(nnkit::rand({5, 5}))  ->  tensor([1, 2, 2, 2, 2])
  nnkit::Tensor predict(const nnkit::Tensor& X);

  /// Given. The fraction of rows whose predicted class equals argmax(y, 1) of the one-hot
  /// y [N, output_size], computed as torch does: (predict(X) == argmax(y, 1)).float().mean().
  double accuracy(const nnkit::Tensor& X, const nnkit::Tensor& y);

  /// 2.5 Plots train_val_metrics — loss and accuracy, train and validation, against epoch,
  /// two panels side by side, titled "Train/Val Metrics" — into
  /// `out_dir`/pytorch_ann_train_val_metrics.png (with the plotted numbers beside it in
  /// pytorch_ann_train_val_metrics.dat), using scaffold::save_train_val_plot. Creates
  /// `out_dir` if needed; throws nnkit::Error when nothing was trained yet.
  void plot_train_val_metrics(const std::string& out_dir = ".");

  /// 2.7 Your reading of the learning curve of the assignment's run: exactly one of the
  /// judgement words README.md lists (scaffold::judgements(); scaffold::check_judgement
  /// rejects anything else). It scores when it is the word that fits that curve, the
  /// reference solution's reading of the same run.
  std::string report_my_judgement() const;

  /// Given. The homework's progress line, numbers to 5 decimals:
  /// "[epoch / epochs] | Train Loss: … | Train Accuracy: … | Val Loss: … | Val Accuracy: …"
  static std::string progress_line(int epoch, int epochs, double train_loss,
                                   double train_accuracy, double val_loss, double val_accuracy);

  int input_size = 0;
  int hidden_size = 0;
  int output_size = 0;
  int seed = 0;
  /// Sequential(Linear(input_size, hidden_size), ReLU(), Linear(hidden_size, output_size)).
  nnkit::nn::Sequential model;
  /// One value per epoch of train(): losses and accuracies on the full train and val sets.
  scaffold::TrainValMetrics train_val_metrics;
};
