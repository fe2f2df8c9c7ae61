#pragma once
/// Part 3 of the assignment (PyTorchCNN, 10 points): a small
/// convolutional network on nnkit (our PyTorch-shaped library), trained full batch with
/// Adam on the 2000 training images of the assignment's Fashion-MNIST split.
///
/// Images are float32 tensors [N, 1, 28, 28] (pixels / 255), labels one-hot float32
/// [N, num_classes]. Names, defaults and the model are the homework's; nnkit seeds, prints
/// and names parameters exactly as PyTorch 1.13, so the examples below are the values torch
/// prints for the same calls (the instructors' PyTorch script writes them to
/// pytorch_cnn.json; the public tests and the program pytorch_cnn check them). Your bodies
/// go in pytorch_cnn.cpp (items 3.1 and 3.3); everything else there is given.
///
/// Item 3.2 is the assignment's run (the program pytorch_cnn: `make pytorch_cnn`), your
/// model trained by the given train(): its test accuracy must reach the part's threshold in
/// README.md, and its last epoch's training loss must be at most half its first epoch's.
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

#include <nnkit/nn/sequential.hpp>
#include <nnkit/tensor.hpp>

#include "train_val_metrics.hpp"

/// Mirrors the homework's `PyTorchCNN(num_classes=10, random_seed=42)`.
///
/// Example:
///   PyTorchCNN cnn;
///   std::cout << cnn.model;   // exactly torch's print(cnn.model):
///   Sequential(
///     (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
///     (1): ReLU()
///     (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
///     (3): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
///     (4): Dropout(p=0.3, inplace=False)
///     (5): Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
///     (6): ReLU()
///     (7): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
///     (8): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
///     (9): Dropout(p=0.3, inplace=False)
///     (10): Conv2d(64, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
///     (11): ReLU()
///     (12): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
///     (13): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
///     (14): Dropout(p=0.3, inplace=False)
///     (15): Conv2d(128, 256, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
///     (16): ReLU()
///     (17): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
///     (18): BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
///     (19): Dropout(p=0.3, inplace=False)
///     (20): Flatten(start_dim=1, end_dim=-1)
///     (21): Linear(in_features=256, out_features=128, bias=True)
///     (22): ReLU()
///     (23): Linear(in_features=128, out_features=10, bias=True)
///   )
///   cnn.model.num_parameters()  ->  422986
///
/// Shapes through the model for a batch of N images: [N, 1, 28, 28] -> block 1 ->
/// [N, 32, 14, 14] -> block 2 -> [N, 64, 7, 7] -> block 3 -> [N, 128, 3, 3] -> block 4 ->
/// [N, 256, 1, 1] -> Flatten -> [N, 256] -> [N, 128] -> [N, num_classes].
class PyTorchCNN {
public:
  /// 3.1 Stores `num_classes`; seeds every random number generator with `random_seed`
  /// (nnkit::manual_seed, torch.manual_seed's twin: initial weights and dropout masks all
  /// come from it); builds `model` as exactly
  ///   four blocks [Conv2d(in, out, 3, stride 1, padding 1), ReLU, MaxPool2d(2),
  ///                BatchNorm2d(out), Dropout(0.3)] with channels 1 -> 32 -> 64 -> 128 -> 256,
  ///   then Flatten, Linear(256, 128), ReLU, Linear(128, num_classes)
  /// — 24 modules named "0" to "23", parameters "0.weight", "0.bias", "3.weight", ...,
  /// "23.bias", drawn left to right from the seeded generator as torch draws them.
  /// Example (the values torch prints for the same calls):
  ///   PyTorchCNN cnn;
  ///   Tensor x = nnkit::rand({2, 1, 28, 28});   // drawn right after the model's weights
  ///   cnn.model.eval();
  ///   cnn.forward(x)  ->  tensor([[ 0.0517, -0.0092, -0.0862, -0.0534,  0.0624,  0.0659,  0.0087, -0.0925,
  ///                                -0.0744, -0.0766],
  ///                               [ 0.0514, -0.0091, -0.0859, -0.0523,  0.0618,  0.0651,  0.0079, -0.0940,
  ///                                -0.0745, -0.0778]])
  ///   cnn.predict(x)  ->  tensor([5, 5])
  /// In train mode the four Dropout layers draw their masks in forward order, as torch does:
  ///   PyTorchCNN cnn;  Tensor x = nnkit::rand({4, 1, 28, 28});  cnn.model.train();
  ///   cnn.forward(x)  ->  tensor([[ 0.1747, -0.2446, -0.0388, -0.2925, -0.3744,  0.1215, -0.1795, -0.6136,
  ///                                -0.4654, -0.1065],
  ///                               ...], grad_fn=<AddmmBackward0>)
  explicit PyTorchCNN(int num_classes = 10, int random_seed = 42);

  /// Given. `model(X)`: logits [N, num_classes] for images X [N, 1, 28, 28], in whatever
  /// mode (train/eval) the model is in; records the autograd graph unless gradients are off.
  nnkit::Tensor forward(const nnkit::Tensor& X);

  /// Given. Trains with nn.CrossEntropyLoss against the one-hot targets and Adam(lr =
  /// learning_rate), one full-batch step per epoch. Each epoch: model.train(), zero_grad,
  /// forward on all of X_train, loss, backward, step; that loss is the epoch's train loss;
  /// then the train accuracy (predict, eval mode) and, in eval mode without gradients, the
  /// validation loss and accuracy. Appends the four numbers to `train_val_metrics` and
  /// writes one progress line per epoch to `log`, flushed, e.g.
  ///   [1 / 60] | Train Loss: 2.31891 | Train Accuracy: 0.09450 | Val Loss: 2.29632 | Val Accuracy: 0.12500
  /// (the first line torch prints for the assignment's run, lr 0.002).
  /// X_* are [N, 1, 28, 28] float32, y_* one-hot [N, num_classes] float32; throws
  /// nnkit::Error naming the shapes otherwise.
  void train(const nnkit::Tensor& X_train, const nnkit::Tensor& y_train,
             const nnkit::Tensor& X_val, const nnkit::Tensor& y_val, int epochs = 10,
             double learning_rate = 0.001, std::ostream& log = std::cout);

  /// Given. Predicted classes: argmax of the logits, an Int64 tensor [N] — computed in eval
  /// mode without gradients (so the model is left in eval mode, as in the original).
  nnkit::Tensor predict(const nnkit::Tensor& X);

  /// Given. Fraction of rows of X whose predicted class equals argmax of the one-hot y [N, C].
  double accuracy(const nnkit::Tensor& X, const nnkit::Tensor& y);

  /// Given. Plots `train_val_metrics` (loss and accuracy panels, "Train/Val Metrics") to
  /// `out_dir`/pytorch_cnn_train_val_metrics.png, with the plotted numbers beside it in
  /// pytorch_cnn_train_val_metrics.dat; returns the PNG's path.
  std::filesystem::path plot_train_val_metrics(const std::filesystem::path& out_dir = ".") const;

  /// 3.3 Your one-word judgement of the learning curve the assignment's run draws:
  /// exactly one of the judgement words README.md lists (scaffold::judgements();
  /// scaffold::check_judgement rejects anything else). Look at the plot before you answer.
  /// It scores when it is the word that fits that curve, the reference solution's reading
  /// of the same run.
  std::string report_my_judgement() const;

  /// Given. The homework's progress line, numbers to 5 decimals:
  /// "[epoch / epochs] | Train Loss: … | Train Accuracy: … | Val Loss: … | Val Accuracy: …"
  static std::string progress_line(int epoch, int epochs, double train_loss,
                                   double train_accuracy, double val_loss, double val_accuracy);

  int num_classes = 0;
  nnkit::nn::Sequential model;
  /// Per-epoch train_losses, train_accs, val_losses, val_accs, appended by train().
  scaffold::TrainValMetrics train_val_metrics;
};
