// logistic_regression: trains LogisticRegression 784-10 on the assignment's Fashion-MNIST
// split with the manifest's hyper-parameters, prints a progress line every 10 epochs and
// the test accuracy; exits 1 when it is below the manifest's threshold.
//
//     logistic_regression [--data DIR]    (DIR: the four Fashion-MNIST .gz files)
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <xtensor/xarray.hpp>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/transforms.hpp>

#include "assignment_manifest.hpp"
#include "logistic_regression.hpp"

namespace {

namespace manifest = assignment::manifest;
namespace hyper = manifest::logistic_regression::hyperparameters;

/// Mean cross-entropy −log p[label] over the rows of P [N, C] and one-hot Y [N, C].
double mean_log_loss(const xt::xarray<double>& P, const xt::xarray<double>& Y) {
  double total = 0.0;
  for (std::size_t i = 0; i < P.size(); ++i) {
    if (Y.data()[i] != 0.0) total -= Y.data()[i] * std::log(P.data()[i]);
  }
  return total / static_cast<double>(P.shape()[0]);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = nnkit::data::default_data_dir().string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--data" && i + 1 < argc) {
      data_dir = argv[++i];
    } else {
      std::cerr << "usage: " << argv[0] << " [--data DIR]   (DIR holds the four Fashion-MNIST "
                << ".gz files; default $FMNIST_DIR, else /usr/share/datasets/fashion-mnist)\n";
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  try {
    using namespace nnkit::data;
    const TrainValTestSplit split = make_train_val_test_split(
        load_fashion_mnist(data_dir),
        SplitSizes{manifest::split::train_size, manifest::split::validation_size,
                   manifest::split::test_size, manifest::split::random_state});
    // Flatten to 784 features, pixels / 255, one-hot labels.
    const auto X_train = normalize_pixels<double>(flatten_images(split.X_train));
    const auto X_val = normalize_pixels<double>(flatten_images(split.X_val));
    const auto X_test = normalize_pixels<double>(flatten_images(split.X_test));
    const auto Y_train = one_hot<double>(split.y_train);
    const auto Y_val = one_hot<double>(split.y_val);
    const auto Y_test = one_hot<double>(split.y_test);

    const int epochs = hyper::epochs;
    fmt::print("LogisticRegression 784-10, lr {}, {} epochs of full-batch gradient descent on {} "
               "train / {} val images; the test accuracy must reach {}\n",
               hyper::learning_rate, epochs, X_train.shape()[0], X_val.shape()[0],
               manifest::logistic_regression::test_accuracy_threshold);
    LogisticRegression model(X_train.shape()[1], Y_train.shape()[1]);
    // Full-batch steps depend only on W and b: ten epochs at a time is one run of all of them.
    for (int done = 0; done < epochs;) {
      const int step = std::min(10, epochs - done);
      model.train(X_train, Y_train, static_cast<std::size_t>(step), hyper::learning_rate);
      done += step;
      fmt::print("[{} / {}] | Train Loss: {:.5f} | Train Accuracy: {:.5f} | Val Accuracy: {:.5f}\n",
                 done, epochs, mean_log_loss(model.predict_proba(X_train), Y_train),
                 model.accuracy(X_train, Y_train), model.accuracy(X_val, Y_val));
    }
    const double test_accuracy = model.accuracy(X_test, Y_test);
    fmt::print("Accuracy on test set: {:.5f}\n", test_accuracy);
    return test_accuracy >= manifest::logistic_regression::test_accuracy_threshold ? 0 : 1;
  } catch (const std::exception& error) {  // missing data, or a body that is not written yet
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
