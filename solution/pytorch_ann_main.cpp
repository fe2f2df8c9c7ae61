// pytorch_ann: part 2's program (items 2.6 and 2.7). Checks the doc
// examples of pytorch_ann.hpp against what PyTorch prints, then trains PyTorchANN 784-32-10
// (SGD, the manifest's hyper-parameters) on the assignment's Fashion-MNIST split, prints the
// progress lines, plots the learning curve into --out, prints the test accuracy — green
// when it reaches the manifest's threshold, red (and exit status 1) when it does not — and
// the judgement.
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/error.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

#include "program.hpp"
#include "assignment_manifest.hpp"
#include "pytorch_ann.hpp"
#include "train_val_metrics.hpp"

namespace {

namespace part = assignment::manifest::pytorch_ann;
constexpr double kThreshold = part::test_accuracy_threshold;
constexpr int kHidden = part::hyperparameters::hidden_size;
constexpr int kBatchSize = part::hyperparameters::batch_size;
constexpr int kEpochs = part::hyperparameters::epochs;
constexpr double kLearningRate = part::hyperparameters::learning_rate;

using json = nlohmann::json;
using Mismatch = std::optional<std::string>;

/// What PyTorch printed for the doc examples: golden/pytorch_ann_examples.json (the
/// path is compiled in), written by the instructors' PyTorch script; read once.
const json& torch_examples() {
  static const json examples = [] {
    std::ifstream in(NNKIT_SOLUTION_GOLDEN_DIR "/pytorch_ann_examples.json");
    if (!in) {
      throw nnkit::Error(fmt::format("cannot open {} (the instructors' PyTorch script "
                                     "writes it)", NNKIT_SOLUTION_GOLDEN_DIR "/pytorch_ann_examples.json"));
    }
    return json::parse(in);
  }();
  return examples;
}

/// A recorded tensor {"shape", "dtype", "data"} as an nnkit tensor.
nnkit::Tensor tensor_of(const json& j) {
  const auto shape = j.at("shape").get<nnkit::Shape>();
  const auto data = j.at("data").get<std::vector<float>>();
  return nnkit::Tensor::from_vector(
      shape, data, j.at("dtype") == "int64" ? nnkit::Dtype::Int64 : nnkit::Dtype::Float32);
}

/// `got` printed against what torch printed.
Mismatch compare_printed(const std::string& what, const std::string& got,
                         const std::string& expected) {
  if (got == expected) return std::nullopt;
  return fmt::format("{} prints\n{}\nPyTorch prints\n{}", what, got, expected);
}

/// The rand() draw an example starts from: equal to torch's only when the constructor
/// seeded the generator (manual_seed) and drew exactly the initial weights.
Mismatch compare_draw(const nnkit::Tensor& drawn, const json& expected) {
  const nnkit::Tensor want = tensor_of(expected);
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    if (drawn.data()[i] != want.data()[i]) {
      return fmt::format("after the constructor, rand() gives {} where PyTorch gives {}: "
                         "seed with nnkit::manual_seed(random_seed), then build the model",
                         nnkit::repr(drawn), nnkit::repr(want));
    }
  }
  return std::nullopt;
}

std::vector<scaffold::DocExample> doc_examples() {
  return {
      {"2.1 PyTorchANN(20, 10, 10) prints its model",
       []() -> Mismatch {
         const json& ex = torch_examples().at("ann_20_10_10");
         PyTorchANN net(20, 10, 10);
         if (net.input_size != 20 || net.hidden_size != 10 || net.output_size != 10 ||
             net.seed != 42) {
           return fmt::format("input_size, hidden_size, output_size, seed are {}, {}, {}, {}; "
                              "expected 20, 10, 10, 42", net.input_size, net.hidden_size,
                              net.output_size, net.seed);
         }
         return compare_printed("net.model", net.model.repr(), ex.at("str_model"));
       }},
      {"2.2 PyTorchANN(5, 10, 3).forward(rand({5}))",
       []() -> Mismatch {
         const json& ex = torch_examples().at("ann_5_10_3");
         PyTorchANN net(5, 10, 3);
         const nnkit::Tensor x = nnkit::rand({5});
         if (auto m = compare_draw(x, ex.at("forward_x"))) return m;
         return compare_printed("net.forward(rand({5}))", nnkit::repr(net.forward(x)),
                                ex.at("repr_forward_out"));
       }},
      {"2.4 predict(rand({5, 5})) after the forward example",
       []() -> Mismatch {
         const json& ex = torch_examples().at("ann_5_10_3");
         PyTorchANN net(5, 10, 3);
         net.forward(nnkit::rand({5}));
         const nnkit::Tensor x = nnkit::rand({5, 5});
         if (auto m = compare_draw(x, ex.at("predict_x"))) return m;
         return compare_printed("net.predict(rand({5, 5}))", nnkit::repr(net.predict(x)),
                                ex.at("repr_predict"));
       }},
      {"2.4 PyTorchANN(5, 10, 3).predict(rand({5, 5}))",
       []() -> Mismatch {
         const json& ex = torch_examples().at("ann_5_10_3_predict_first");
         PyTorchANN net(5, 10, 3);
         const nnkit::Tensor x = nnkit::rand({5, 5});
         if (auto m = compare_draw(x, ex.at("predict_x"))) return m;
         return compare_printed("net.predict(rand({5, 5}))", nnkit::repr(net.predict(x)),
                                ex.at("repr_predict"));
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  const scaffold::ProgramOptions options = scaffold::parse_program_options(
      argc, argv,
      "Part 2: check the doc examples, then train PyTorchANN 784-32-10 on Fashion-MNIST",
      kEpochs);
  if (!scaffold::run_doc_examples(doc_examples(), std::cout)) return 1;

  const scaffold::AssignmentSplit split = scaffold::load_split_or_exit(options);
  using nnkit::data::flatten_images;
  using nnkit::data::normalize_pixels;
  using nnkit::data::one_hot;
  // As the homework: flatten to 784 features, pixels / 255, one-hot labels, all float32.
  const nnkit::Tensor X_train(normalize_pixels<float>(flatten_images(split.X_train)));
  const nnkit::Tensor X_val(normalize_pixels<float>(flatten_images(split.X_val)));
  const nnkit::Tensor X_test(normalize_pixels<float>(flatten_images(split.X_test)));
  const nnkit::Tensor y_train(one_hot<float>(split.y_train));
  const nnkit::Tensor y_val(one_hot<float>(split.y_val));
  const nnkit::Tensor y_test(one_hot<float>(split.y_test));

  int status = 0;
  try {
    std::cout << fmt::format(
        "PyTorchANN 784-{}-10, SGD lr {}, batch {}, {} epochs on {} train / {} val images\n",
        kHidden, kLearningRate, kBatchSize, options.epochs, X_train.size(0), X_val.size(0));
    PyTorchANN net(static_cast<int>(X_train.size(1)), kHidden, static_cast<int>(y_train.size(1)));
    net.train(X_train, y_train, X_val, y_val, options.epochs, kBatchSize, kLearningRate);

    try {
      net.plot_train_val_metrics(options.out_dir);
      std::cout << "Learning curve: "
                << (std::filesystem::path(options.out_dir) / "pytorch_ann_train_val_metrics.png")
                       .string()
                << "\n";
    } catch (const std::exception& error) {
      std::cout << scaffold::red(fmt::format("plot_train_val_metrics failed: {}", error.what()))
                << "\n";
      status = 1;
    }

    status |= scaffold::report_test_accuracy(net.accuracy(X_test, y_test), kThreshold, std::cout);

    try {
      const std::string& judgement = scaffold::check_judgement(net.report_my_judgement());
      std::cout << "My judgement of the learning curve: " << judgement << "\n";
    } catch (const std::exception& error) {
      std::cout << scaffold::red(error.what()) << "\n";
      status = 1;
    }
  } catch (const std::exception& error) {
    std::cerr << scaffold::red(fmt::format("error: {}", error.what())) << "\n";
    return 1;
  }
  return status;
}
