// numpy_ann: part 1's program (item 1.10). Checks the doc examples of
// numpy_ann.hpp against the values NumPy computes for them, then trains NumpyANN 784-64-10
// with the manifest's hyper-parameters on the assignment's Fashion-MNIST split, prints the
// progress lines and the test accuracy: green when it reaches the manifest's threshold, red
// (and exit status 1) when it does not.
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <xtensor/xarray.hpp>

#include <nnkit/data/transforms.hpp>
#include <nnkit/error.hpp>
#include <nnkit/random/numpy_random_state.hpp>

#include "assignment_manifest.hpp"
#include "numpy_ann.hpp"
#include "program.hpp"

namespace {

namespace part = assignment::manifest::numpy_ann;
constexpr double kThreshold = part::test_accuracy_threshold;
constexpr std::size_t kHidden = part::hyperparameters::hidden_size;
constexpr std::size_t kBatchSize = part::hyperparameters::batch_size;
constexpr int kEpochs = part::hyperparameters::epochs;
constexpr double kLearningRate = part::hyperparameters::learning_rate;

using json = nlohmann::json;
using Mismatch = std::optional<std::string>;

/// NumPy's values for the doc examples: golden/numpy_ann.json (the path is
/// compiled in), written by the instructors' NumPy script; read once.
const json& numpy_values() {
  static const json values = [] {
    std::ifstream in(NNKIT_SOLUTION_GOLDEN_DIR "/numpy_ann.json");
    if (!in) {
      throw nnkit::Error(fmt::format("cannot open {} (the instructors' NumPy script "
                                     "writes it)", NNKIT_SOLUTION_GOLDEN_DIR "/numpy_ann.json"));
    }
    return json::parse(in);
  }();
  return values;
}

const json& example(const char* key) { return numpy_values().at("example").at(key); }

/// A nested JSON list of numbers as an xtensor array of its shape (1-D or 2-D).
xt::xarray<double> array_of(const json& j) {
  if (!j.is_array() || j.empty() || !j[0].is_array()) {
    const auto flat = j.get<std::vector<double>>();
    xt::xarray<double> out = xt::zeros<double>({flat.size()});
    std::copy(flat.begin(), flat.end(), out.begin());
    return out;
  }
  xt::xarray<double> out = xt::zeros<double>({j.size(), j[0].size()});
  for (std::size_t r = 0; r < j.size(); ++r)
    for (std::size_t c = 0; c < j[r].size(); ++c) out(r, c) = j[r][c].get<double>();
  return out;
}

/// `got` against NumPy's value, to a relative 1e-9 (the digits NumPy prints, with room for
/// another summation order).
Mismatch compare(const std::string& what, const xt::xarray<double>& got, const json& expected) {
  const xt::xarray<double> want = array_of(expected);
  bool same = got.shape() == want.shape();
  for (std::size_t i = 0; same && i < want.size(); ++i) {
    same = std::abs(got.data()[i] - want.data()[i]) <= 1e-9 * std::max(std::abs(want.data()[i]), 1e-12);
  }
  if (same) return std::nullopt;
  return fmt::format("{} is [{}] of shape [{}]; NumPy gives [{}] of shape [{}]", what,
                     fmt::join(got, ", "), fmt::join(got.shape(), ", "), fmt::join(want, ", "),
                     fmt::join(want.shape(), ", "));
}

Mismatch compare(const std::string& what, double got, const json& expected) {
  const double want = expected.get<double>();
  if (std::abs(got - want) <= 1e-9 * std::abs(want)) return std::nullopt;
  return fmt::format("{} is {}; NumPy gives {}", what, got, want);
}

Mismatch first_of(std::initializer_list<Mismatch> checks) {
  for (const auto& check : checks) {
    if (check) return check;
  }
  return std::nullopt;
}

/// The example network of the doc comments: NumpyANN(5, 3, 2, 0.01), seed 42.
NumpyANN example_network() {
  const json& a = example("args");
  return NumpyANN(a.at("input_size"), a.at("hidden_size"), a.at("output_size"), a.at("lr"),
                  a.at("random_seed"));
}

std::vector<scaffold::DocExample> doc_examples() {
  return {
      {"1.1 NumpyANN(5, 3, 2, 0.01)",
       []() -> Mismatch {
         NumpyANN net = example_network();
         const json& a = example("args");
         if (net.input_size != a.at("input_size") || net.hidden_size != a.at("hidden_size") ||
             net.output_size != a.at("output_size") || net.lr != a.at("lr").get<double>()) {
           return Mismatch("input_size, hidden_size, output_size, lr are not 5, 3, 2, 0.01");
         }
         return first_of({compare("W1", net.W1, example("W1")), compare("b1", net.b1, example("b1")),
                          compare("W2", net.W2, example("W2")), compare("b2", net.b2, example("b2"))});
       }},
      {"1.2 _relu([-1, 0, 1])",
       []() -> Mismatch {
         const json& e = example("relu");
         return compare("_relu([-1, 0, 1])", example_network()._relu(array_of(e.at("z"))), e.at("out"));
       }},
      {"1.3 _relu_grad([-1, 0, 1])",
       []() -> Mismatch {
         const json& e = example("relu_grad");
         return compare("_relu_grad([-1, 0, 1])", example_network()._relu_grad(array_of(e.at("z"))),
                        e.at("out"));
       }},
      {"1.4 _cross_entropy([[.5, .5], [.5, .5]], [[1, 0], [0, 1]])",
       []() -> Mismatch {
         const json& e = example("cross_entropy");
         return compare("_cross_entropy", example_network()._cross_entropy(
                                              array_of(e.at("y_pred")), array_of(e.at("y_true"))),
                        e.at("out"));
       }},
      {"1.5 _forward([[1, 2, 3, 4, 5]])",
       []() -> Mismatch {
         const json& e = example("forward");
         NumpyANN net = example_network();
         const xt::xarray<double> a2 = net._forward(array_of(e.at("X")));
         return first_of({compare("_forward(X)", a2, e.at("a2")), compare("z1", net.z1, e.at("z1")),
                          compare("a1", net.a1, e.at("a1")), compare("z2", net.z2, e.at("z2"))});
       }},
      {"1.6 _backward([[1, 2, 3, 4, 5]], [[0, 1]])",
       []() -> Mismatch {
         const json& e = example("backward");
         NumpyANN net = example_network();
         const xt::xarray<double> X = array_of(e.at("X"));
         net._forward(X);
         net._backward(X, array_of(e.at("y_true")));
         return first_of({compare("W2", net.W2, e.at("W2")), compare("b2", net.b2, e.at("b2")),
                          compare("W1", net.W1, e.at("W1")), compare("b1", net.b1, e.at("b1"))});
       }},
      {"1.8 predict([[1, 2, 3, 4, 5]]) after _backward",
       []() -> Mismatch {
         const json& e = example("backward");
         NumpyANN net = example_network();
         const xt::xarray<double> X = array_of(e.at("X"));
         net._forward(X);
         net._backward(X, array_of(e.at("y_true")));
         return compare("predict(X)", net.predict(array_of(example("predict").at("X"))),
                        example("predict").at("out"));
       }},
      {"1.9 accuracy(3 samples) after _backward",
       []() -> Mismatch {
         const json& e = example("backward");
         NumpyANN net = example_network();
         const xt::xarray<double> X = array_of(e.at("X"));
         net._forward(X);
         net._backward(X, array_of(e.at("y_true")));
         const json& a = example("accuracy");
         return compare("accuracy", net.accuracy(array_of(a.at("X")), array_of(a.at("y_true"))),
                        a.at("out"));
       }},
      {"1.7 train(10 samples, 20 epochs, batch 4)",
       []() -> Mismatch {
         const json& t = numpy_values().at("train_small");
         const json& a = t.at("args");
         NumpyANN net(a.at("input_size"), a.at("hidden_size"), a.at("output_size"), a.at("lr"),
                      a.at("random_seed"));
         std::ostringstream printed;
         net.train(array_of(t.at("X_train")), array_of(t.at("y_train")), array_of(t.at("X_val")),
                   array_of(t.at("y_val")), a.at("epochs"), a.at("batch_size"), printed);
         std::string expected;
         for (const auto& line : t.at("progress_lines")) expected += line.get<std::string>() + "\n";
         if (printed.str() == expected) return std::nullopt;
         return fmt::format("it printed\n{}NumPy prints\n{}", printed.str(), expected);
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  const scaffold::ProgramOptions options = scaffold::parse_program_options(
      argc, argv, "Part 1: check the doc examples, then train NumpyANN 784-64-10 on Fashion-MNIST",
      kEpochs);
  try {
    if (!scaffold::run_doc_examples(doc_examples(), std::cout)) return 1;
  } catch (const std::exception& error) {  // the golden file itself is missing or broken
    std::cerr << scaffold::red(fmt::format("error: {}", error.what())) << "\n";
    return 1;
  }

  using namespace nnkit::data;
  const scaffold::AssignmentSplit split = scaffold::load_split_or_exit(options);
  // As the homework: flatten to 784 features, pixels / 255, one-hot labels.
  const auto X_train = normalize_pixels<double>(flatten_images(split.X_train));
  const auto X_val = normalize_pixels<double>(flatten_images(split.X_val));
  const auto X_test = normalize_pixels<double>(flatten_images(split.X_test));
  const auto y_train = one_hot<double>(split.y_train);
  const auto y_val = one_hot<double>(split.y_val);
  const auto y_test = one_hot<double>(split.y_test);
  fmt::print("NumpyANN 784-{}-10, lr {}, batch {}, {} epochs on {} train / {} val images\n",
             kHidden, kLearningRate, kBatchSize, options.epochs, X_train.shape()[0],
             X_val.shape()[0]);
  try {
    NumpyANN net(X_train.shape()[1], kHidden, y_train.shape()[1], kLearningRate);
    net.train(X_train, y_train, X_val, y_val, static_cast<std::size_t>(options.epochs), kBatchSize);
    return scaffold::report_test_accuracy(net.accuracy(X_test, y_test), kThreshold, std::cout);
  } catch (const std::exception& error) {
    std::cerr << scaffold::red(fmt::format("error: {}", error.what())) << "\n";
    return 1;
  }
}
