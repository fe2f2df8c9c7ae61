// pytorch_cnn: part 3's program (items 3.2 and 3.3). Checks the doc
// examples of pytorch_cnn.hpp against PyTorch's values, then trains PyTorchCNN (Adam, full
// batch, the manifest's learning rate and epochs) on the assignment's Fashion-MNIST split
// with one progress line per epoch, plots the learning curve, prints the test accuracy —
// green when it reaches the manifest's threshold, red (and exit status 1) when it does not
// — and the judgement of the curve.
//
// The expected values come from golden/pytorch_cnn.json, written by
// the instructors' PyTorch script with PyTorch 1.13; none is typed here.
#if __has_include(<malloc.h>)
#include <malloc.h>  // mallopt, M_MMAP_MAX: glibc (Linux, WSL); macOS has no malloc.h
#endif

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xtensor/xarray.hpp>

#include <nnkit/autograd/node.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/error.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

#include "assignment_manifest.hpp"
#include "program.hpp"
#include "pytorch_cnn.hpp"
#include "train_val_metrics.hpp"

namespace {

using json = nlohmann::json;
using Mismatch = std::optional<std::string>;
using nnkit::Tensor;

namespace part = assignment::manifest::pytorch_cnn;
constexpr double kThreshold = part::test_accuracy_threshold;
constexpr double kLearningRate = part::hyperparameters::learning_rate;
constexpr int kEpochs = part::hyperparameters::epochs;

/// golden/pytorch_cnn.json (the path is compiled in), read once.
const json& golden() {
  static const json data = [] {
    const std::string path = std::string(NNKIT_SOLUTION_GOLDEN_DIR) + "/pytorch_cnn.json";
    std::ifstream in(path);
    if (!in) {
      throw nnkit::Error(fmt::format("cannot open {} (the instructors' PyTorch script "
                                     "writes it)", path));
    }
    return json::parse(in);
  }();
  return data;
}

/// Logits against torch's (flat, row-major) to a relative `rel` (absolute below 1e-3):
/// float32 sums through four convolutions add in another order than oneDNN's.
Mismatch compare_logits(const char* what, const Tensor& got, const json& expected, double rel) {
  const auto shape = expected.at("shape").get<nnkit::Shape>();
  const auto values = expected.at("data").get<std::vector<double>>();
  if (got.shape() != shape) {
    return fmt::format("{} has shape {}; torch gives {}", what, nnkit::to_string(got.shape()),
                       nnkit::to_string(shape));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double g = got.data()[i], e = values[i];
    if (!(std::abs(g - e) <= rel * std::max(std::abs(e), 1e-3))) {
      return fmt::format("{} element {} is {:.7g}; torch gives {:.7g}\n  got {}", what, i, g, e,
                         nnkit::repr(got));
    }
  }
  return std::nullopt;
}

/// The doc examples of pytorch_cnn.hpp, in item order.
std::vector<scaffold::DocExample> examples() {
  return {
      {"3.1 PyTorchCNN(): print(cnn.model)",
       []() -> Mismatch {
         PyTorchCNN cnn;
         const auto expected = golden().at("model").at("str").get<std::string>();
         if (cnn.num_classes != 10) return fmt::format("num_classes is {}, not 10", cnn.num_classes);
         if (cnn.model.repr() == expected) return std::nullopt;
         return fmt::format("the model prints as\n{}\ntorch prints\n{}", cnn.model.repr(), expected);
       }},
      {"3.1 PyTorchCNN(): parameter names, shapes and count",
       []() -> Mismatch {
         PyTorchCNN cnn;
         const auto& expected = golden().at("model").at("named_parameters");
         const auto named = cnn.model.named_parameters();
         if (named.size() != expected.size()) {
           return fmt::format("{} parameters tensors; torch has {}", named.size(), expected.size());
         }
         for (std::size_t i = 0; i < named.size(); ++i) {
           const auto name = expected[i].at("name").get<std::string>();
           const auto shape = expected[i].at("shape").get<nnkit::Shape>();
           if (named[i].first != name || named[i].second.shape() != shape) {
             return fmt::format("parameter {} is {} {}; torch has {} {}", i, named[i].first,
                                nnkit::to_string(named[i].second.shape()), name,
                                nnkit::to_string(shape));
           }
         }
         const auto count = golden().at("model").at("num_parameters").get<std::int64_t>();
         if (cnn.model.num_parameters() != count) {
           return fmt::format("{} parameters; torch counts {}", cnn.model.num_parameters(), count);
         }
         return std::nullopt;
       }},
      {"3.1 PyTorchCNN(): seeded initial weights equal torch's",
       []() -> Mismatch {
         PyTorchCNN cnn;
         const auto& expected = golden().at("model").at("initial_parameters");
         for (const auto& [name, tensor] : cnn.model.named_parameters()) {
           const auto head = expected.at(name).at("head").get<std::vector<float>>();
           for (std::size_t i = 0; i < head.size(); ++i) {
             if (tensor.data()[i] != head[i]) {
               return fmt::format("{} element {} is {:.9g}; torch has {:.9g} (was manual_seed "
                                  "called first, and the modules built in order?)",
                                  name, i, tensor.data()[i], head[i]);
             }
           }
         }
         return std::nullopt;
       }},
      {"3.1 PyTorchCNN(); x = rand({2, 1, 28, 28}); eval: forward(x), predict(x)",
       []() -> Mismatch {
         const auto& expected = golden().at("examples").at("eval");
         PyTorchCNN cnn;
         const Tensor x = nnkit::rand({2, 1, 28, 28});
         cnn.model.eval();
         Tensor logits;
         {
           nnkit::NoGradGuard no_grad;
           logits = cnn.forward(x);
         }
         if (auto bad = compare_logits("forward(x)", logits, expected.at("logits"), 1e-4)) return bad;
         const Tensor predicted = cnn.predict(x);
         const auto classes = expected.at("predict").at("data").get<std::vector<std::int64_t>>();
         for (std::size_t i = 0; i < classes.size(); ++i) {
           if (predicted.dtype() != nnkit::Dtype::Int64 || predicted.numel() != 2 ||
               predicted.data()[i] != static_cast<float>(classes[i])) {
             return fmt::format("predict(x) is {}; torch gives {}", nnkit::repr(predicted),
                                expected.at("printed_predict").get<std::string>());
           }
         }
         return std::nullopt;
       }},
      {"3.1 PyTorchCNN(); x = rand({4, 1, 28, 28}); train mode (dropout): forward(x)",
       []() -> Mismatch {
         const auto& expected = golden().at("examples").at("train");
         PyTorchCNN cnn;
         const Tensor x = nnkit::rand({4, 1, 28, 28});
         cnn.model.train();
         // BatchNorm over 4 images magnifies float32 rounding; a wrong dropout mask moves
         // the logits by far more than 1e-3.
         return compare_logits("forward(x) in train mode", cnn.forward(x), expected.at("logits"),
                               1e-3);
       }},
  };
}

/// uint8 images [N, 28, 28] -> float32 [N, 1, 28, 28] / 255, as the homework's tensors.
Tensor images_tensor(const xt::xarray<std::uint8_t>& images) {
  const auto n = static_cast<std::int64_t>(images.shape()[0]);
  return Tensor(nnkit::data::normalize_pixels<float>(images)).reshape({n, 1, 28, 28});
}

/// uint8 labels [N] -> one-hot float32 [N, 10].
Tensor labels_tensor(const xt::xarray<std::uint8_t>& labels) {
  return Tensor(nnkit::data::one_hot<float>(labels, 10));
}

}  // namespace

int main(int argc, char** argv) {
  // Each epoch allocates and frees about 1.5 GB of activations and gradients in blocks far
  // above glibc's mmap threshold: by default every one is a fresh mmap whose pages fault in
  // (zeroed by the kernel) again each epoch, a sixth of the run. Served from a heap that is
  // never trimmed, the next epoch reuses the same pages. Results are unchanged.
#ifdef M_MMAP_MAX
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
  const auto options = scaffold::parse_program_options(
      argc, argv, "Part 3: train PyTorchCNN on the assignment's Fashion-MNIST split", kEpochs);

  if (!scaffold::run_doc_examples(examples(), std::cout)) return 1;

  const auto split = scaffold::load_split_or_exit(options);
  try {
    const Tensor X_train = images_tensor(split.X_train), y_train = labels_tensor(split.y_train);
    const Tensor X_val = images_tensor(split.X_val), y_val = labels_tensor(split.y_val);
    const Tensor X_test = images_tensor(split.X_test), y_test = labels_tensor(split.y_test);
    fmt::print("PyTorchCNN, Adam lr {}, full batch, {} epochs on {} train / {} val images\n",
               kLearningRate, options.epochs, X_train.size(0), X_val.size(0));
    std::cout.flush();

    PyTorchCNN cnn;
    cnn.train(X_train, y_train, X_val, y_val, options.epochs, kLearningRate, std::cout);
    const auto png = cnn.plot_train_val_metrics(options.out_dir);
    std::cout << "Learning curve: " << png.string() << "\n";

    const int status = scaffold::report_test_accuracy(cnn.accuracy(X_test, y_test), kThreshold,
                                                      std::cout);
    std::string judgement;
    try {
      judgement = scaffold::check_judgement(cnn.report_my_judgement());
    } catch (const std::exception& error) {
      std::cout << scaffold::red(fmt::format("Judgement: {}", error.what())) << "\n";
      return 1;
    }
    std::cout << "My judgement of the curve: " << judgement << "\n";
    return status;
  } catch (const std::exception& error) {
    std::cerr << scaffold::red(fmt::format("error: {}", error.what())) << "\n";
    return 1;
  }
}
