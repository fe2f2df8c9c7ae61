// Public tests of LogisticRegression: one test case per item, named with its points.
// Expected values are NumPy's, from golden/logistic_regression.json (the doc examples of
// logistic_regression.hpp). Arrays must match to a relative 1e-12, with an absolute floor
// of 1e-15 for values near zero: NumPy's sums may add in another order than yours, which
// moves the last bits, never the twelfth digit. Item 1.2 ends with the assignment's run.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/random/numpy_random_state.hpp>

#include "assignment_manifest.hpp"
#include "logistic_regression.hpp"

namespace {

using json = nlohmann::json;

const json& example() {
  static const json data = [] {
    const std::string path = std::string(NNKIT_SOLUTION_GOLDEN_DIR) + "/logistic_regression.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);
    return json::parse(in);
  }();
  return data.at("example");
}

/// A JSON list (1-D) or list of lists (2-D) as an xarray.
xt::xarray<double> array_of(const json& j) {
  if (!j.empty() && j[0].is_array()) {
    const std::size_t rows = j.size(), cols = j[0].size();
    xt::xarray<double> a = xt::zeros<double>({rows, cols});
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c) a(r, c) = j[r][c].get<double>();
    }
    return a;
  }
  xt::xarray<double> a = xt::zeros<double>({j.size()});
  for (std::size_t i = 0; i < j.size(); ++i) a(i) = j[i].get<double>();
  return a;
}

std::string shape_of(const xt::xarray<double>& a) {
  return fmt::format("[{}]", fmt::join(a.shape(), ", "));
}

/// CHECKs equal shapes and |got − expected| ≤ rel · |expected| + abs everywhere (rel = abs
/// = 0: bit-equal values); names the first bad element. NaN never passes.
void check_close(const xt::xarray<double>& got, const xt::xarray<double>& expected,
                 const std::string& what, double rel = 1e-12, double abs = 1e-15) {
  REQUIRE_MESSAGE(got.shape() == expected.shape(),
                  what << ": shape " << shape_of(got) << ", expected " << shape_of(expected));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double e = expected.data()[i], g = got.data()[i];
    if (!(std::abs(g - e) <= rel * std::abs(e) + abs)) {
      FAIL_CHECK(fmt::format("{}: element {} (flat) is {:.17g}, expected {:.17g} (allowed "
                             "difference {:.3g})",
                             what, i, g, e, rel * std::abs(e) + abs));
      return;
    }
  }
}

void check_close(const xt::xarray<double>& got, const json& expected, const std::string& what,
                 double rel = 1e-12, double abs = 1e-15) {
  check_close(got, array_of(expected), what, rel, abs);
}

/// The doc examples' model: LogisticRegression(5, 3) with seed 42.
LogisticRegression example_model() {
  const json& args = example().at("args");
  return LogisticRegression(args.at("input_size").get<std::size_t>(),
                            args.at("output_size").get<std::size_t>(),
                            args.at("random_seed").get<std::uint32_t>());
}

/// The model after the train doc example, holding NumPy's weights (not your train's).
LogisticRegression example_model_trained() {
  LogisticRegression model = example_model();
  model.W = array_of(example().at("train").at("W"));
  model.b = array_of(example().at("train").at("b"));
  return model;
}

}  // namespace

TEST_CASE(ASSIGNMENT_ITEM_1_1) {
  SUBCASE("the given constructor holds NumPy's W and b for seed 42") {
    const LogisticRegression model = example_model();
    check_close(model.W, example().at("W"), "W", 0.0, 0.0);
    check_close(model.b, example().at("b"), "b", 0.0, 0.0);
  }
  SUBCASE("predict_proba of two rows, as NumPy") {
    const json& ex = example().at("predict_proba");
    check_close(example_model().predict_proba(array_of(ex.at("X"))), ex.at("out"),
                "predict_proba(X)");
  }
  SUBCASE("logits near 1000 stay finite: subtract the row maximum before exp") {
    const json& ex = example().at("large_logits");
    LogisticRegression model = example_model();
    model.b = array_of(ex.at("b"));
    check_close(model.predict_proba(array_of(ex.at("X"))), ex.at("out"),
                "predict_proba with b = [[1000, 1001, 1002]]");
  }
  SUBCASE("every row sums to 1, with more classes and logits near -1000") {
    nnkit::numpy::RandomState rng(6);
    LogisticRegression model(4, 12, 5);
    model.b = rng.randn(1, 12) - 1000.0;
    const xt::xarray<double> P = model.predict_proba(rng.randn(3, 4));
    REQUIRE(P.shape() == std::vector<std::size_t>{3, 12});
    for (std::size_t r = 0; r < 3; ++r) {
      double total = 0.0;
      for (std::size_t c = 0; c < 12; ++c) total += P(r, c);
      CHECK_MESSAGE(std::abs(total - 1.0) <= 1e-12, "row " << r << " sums to " << total);
    }
  }
  SUBCASE("the given predict and accuracy on NumPy's trained weights") {
    const json& ex = example().at("predict");
    const LogisticRegression model = example_model_trained();
    const xt::xarray<std::int64_t> labels = model.predict(array_of(ex.at("X")));
    CHECK(std::vector<std::int64_t>(labels.begin(), labels.end()) ==
          ex.at("out").get<std::vector<std::int64_t>>());
    const json& acc = example().at("accuracy");
    CHECK(model.accuracy(array_of(acc.at("X")), array_of(acc.at("Y"))) ==
          acc.at("out").get<double>());
  }
}

TEST_CASE(ASSIGNMENT_ITEM_1_2) {
  const json& ex = example().at("train");
  const xt::xarray<double> X = array_of(ex.at("X")), Y = array_of(ex.at("Y"));
  const auto epochs = ex.at("epochs").get<std::size_t>();
  const double lr = ex.at("lr").get<double>();

  SUBCASE("NumPy's W and b after 3 epochs on 6 samples, lr 0.1") {
    LogisticRegression model = example_model();
    model.train(X, Y, epochs, lr);
    check_close(model.W, ex.at("W"), "W after train");
    check_close(model.b, ex.at("b"), "b after train");
  }
  SUBCASE("full batch: 3 epochs are 3 calls of one epoch; 0 epochs change nothing") {
    LogisticRegression once = example_model(), stepwise = example_model();
    once.train(X, Y, 3, lr);
    for (int i = 0; i < 3; ++i) stepwise.train(X, Y, 1, lr);
    check_close(stepwise.W, once.W, "W after 3 x train(1 epoch)", 0.0, 0.0);
    check_close(stepwise.b, once.b, "b after 3 x train(1 epoch)", 0.0, 0.0);
    const LogisticRegression before = once;
    once.train(X, Y, 0, lr);
    check_close(once.W, before.W, "W after train(0 epochs)", 0.0, 0.0);
    check_close(once.b, before.b, "b after train(0 epochs)", 0.0, 0.0);
  }
  SUBCASE("the assignment's run reaches the test accuracy threshold") {
    namespace manifest = assignment::manifest;
    namespace hyper = manifest::logistic_regression::hyperparameters;
    using namespace nnkit::data;
    const auto dir = default_data_dir();
    REQUIRE_MESSAGE(std::filesystem::exists(dir / "train-images-idx3-ubyte.gz"),
                    "Fashion-MNIST is not in " << dir.string() << " (set FMNIST_DIR)");
    const TrainValTestSplit split = make_train_val_test_split(
        load_fashion_mnist(dir),
        SplitSizes{manifest::split::train_size, manifest::split::validation_size,
                   manifest::split::test_size, manifest::split::random_state});
    const auto X_train = normalize_pixels<double>(flatten_images(split.X_train));
    const auto Y_train = one_hot<double>(split.y_train);
    LogisticRegression model(X_train.shape()[1], Y_train.shape()[1]);
    model.train(X_train, Y_train, static_cast<std::size_t>(hyper::epochs), hyper::learning_rate);
    const double test_accuracy = model.accuracy(
        normalize_pixels<double>(flatten_images(split.X_test)), one_hot<double>(split.y_test));
    MESSAGE(fmt::format("Accuracy on test set: {:.5f} (lr {}, {} epochs)", test_accuracy,
                        hyper::learning_rate, hyper::epochs));
    CHECK(test_accuracy >= manifest::logistic_regression::test_accuracy_threshold);
  }
}
