// Public tests of part 2, PyTorchANN: one test case
// per item, named with its points. Expected values are PyTorch 1.13's, from
// golden/pytorch_ann.json (written by the instructors' PyTorch script: the doc examples
// of pytorch_ann.hpp, a small training run on synthetic data nnkit redraws bit for bit, and
// the assignment's full 100-epoch run on the real split).
//
// What torch prints (model, forward output, predictions, progress lines) must be printed
// identically; seeded weights must be torch's bit for bit. Trained values are float32 sums
// added in another order than torch's kernels, so they match to tolerances measured on the
// reference solution (see kSmallRunTolerance and kRunTolerance below). The full run (2.6)
// is scored on its threshold alone, as the grader scores it; its curve against torch's is
// shown as notes.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <nnkit/autograd/node.hpp>
#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/error.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/nn/loss.hpp>
#include <nnkit/nn/sequential.hpp>
#include <nnkit/optim/sgd.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

#include "assignment_manifest.hpp"
#include "assignment_split.hpp"
#include "check_text.hpp"
#include "pytorch_ann.hpp"
#include "train_val_metrics.hpp"

namespace {

using json = nlohmann::json;
using nnkit::Tensor;

const json& golden() {
  static const json data = [] {
    const std::string path = std::string(NNKIT_SOLUTION_GOLDEN_DIR) + "/pytorch_ann.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path << " (the instructors' PyTorch script writes it)");
    return json::parse(in);
  }();
  return data;
}

const json& example() { return golden().at("example"); }

/// A recorded tensor {"shape", "dtype", "data"}; doubles holding float32 values convert back
/// to the exact float32 bits.
Tensor tensor_of(const json& j) {
  return Tensor::from_vector(j.at("shape").get<nnkit::Shape>(),
                             j.at("data").get<std::vector<float>>(),
                             j.at("dtype") == "int64" ? nnkit::Dtype::Int64 : nnkit::Dtype::Float32);
}

/// Where most expected values come from: torch's own run of the same calls.
const std::string kTorch = "torch's value, golden/pytorch_ann.json";

/// CHECKs equal shapes and |got − expected| ≤ tolerance everywhere (0: bit-equal floats);
/// names the first bad element and `reference`, where the expected values come from.
/// Returns the largest difference.
double check_close(const Tensor& got, const Tensor& expected, const std::string& what,
                   const std::string& reference, double tolerance) {
  REQUIRE_MESSAGE(got.shape() == expected.shape(),
                  public_tests::shape_mismatch_text(what, got.shape(), expected.shape(), reference));
  double worst = 0.0;
  std::size_t first = 0, differing = 0;
  for (std::int64_t i = 0; i < expected.numel(); ++i) {
    const double difference = std::abs(static_cast<double>(got.data()[i]) - expected.data()[i]);
    if (!(difference <= tolerance) && differing++ == 0) first = static_cast<std::size_t>(i);
    worst = std::max(worst, difference);
  }
  if (differing > 0) {
    const double g = got.data()[first], e = expected.data()[first];
    const std::string allowed =
        tolerance == 0.0 ? "must be equal to the last bit"
                         : fmt::format("difference {:.3g}, allowed {:.3g}", std::abs(g - e), tolerance);
    FAIL_CHECK(public_tests::value_mismatch_text(
        what, expected.shape(), first, differing, static_cast<std::size_t>(expected.numel()),
        fmt::format("{:.9g}", g), fmt::format("{:.9g}", e), reference, allowed));
  }
  return worst;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// A one-hot float32 tensor [N, classes] of the class indices.
Tensor one_hot(const std::vector<std::int64_t>& classes, std::int64_t num_classes) {
  const auto n = static_cast<std::int64_t>(classes.size());
  Tensor y = Tensor::zeros({n, num_classes});
  for (std::int64_t i = 0; i < n; ++i) y.data()[i * num_classes + classes[i]] = 1.0f;
  return y;
}

/// The synthetic set of the instructors' PyTorch script's synthetic_set: rand(n, features) from
/// the current stream, labelled by the largest of the first `classes` features.
struct Set {
  Tensor X, y;
  std::vector<std::int64_t> classes;
};

Set synthetic_set(std::int64_t n, std::int64_t features, std::int64_t classes) {
  Set set{nnkit::rand({n, features}), Tensor(), {}};
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = set.X.data() + i * features;
    set.classes.push_back(std::max_element(row, row + classes) - row);
  }
  set.y = one_hot(set.classes, classes);
  return set;
}

/// train_small's data: manual_seed(7), then the training set and the validation set.
struct SmallData {
  Set train, val;
};

SmallData small_data() {
  const auto& small = golden().at("train_small");
  nnkit::manual_seed(small.at("data_seed").get<std::uint64_t>());
  SmallData data{synthetic_set(small.at("n_train"), 8, 3), synthetic_set(small.at("n_val"), 8, 3)};
  REQUIRE_MESSAGE(data.train.classes == small.at("y_train_classes").get<std::vector<std::int64_t>>(),
                  "nnkit::rand did not redraw torch's training set");
  REQUIRE(data.val.classes == small.at("y_val_classes").get<std::vector<std::int64_t>>());
  return data;
}

/// The torch network the homework describes, built here from nnkit modules with
/// manual_seed(seed) — the reference the constructor is compared with.
nnkit::nn::Sequential reference_model(int in, int hidden, int out, int seed) {
  nnkit::manual_seed(static_cast<std::uint64_t>(seed));
  return nnkit::nn::Sequential(nnkit::nn::Linear(in, hidden), nnkit::nn::ReLU(),
                               nnkit::nn::Linear(hidden, out));
}

/// The mini-batch loop of item 2.3 written out by hand on a copy of the weights, for
/// `epochs` epochs over batches [0, b), [b, 2b), ..., the last one shorter.
std::vector<Tensor> manual_training(const nnkit::nn::Sequential& initial, const Tensor& X,
                                    const Tensor& y, int epochs, std::int64_t batch_size,
                                    double lr) {
  nnkit::nn::Sequential model(nnkit::nn::Linear(X.size(1), initial.at<nnkit::nn::Linear>(0).out_features),
                              nnkit::nn::ReLU(),
                              nnkit::nn::Linear(initial.at<nnkit::nn::Linear>(2).in_features,
                                                y.size(1)));
  const auto from = initial.parameters();
  auto to = model.parameters();
  for (std::size_t i = 0; i < to.size(); ++i) {
    std::copy_n(from[i].data(), from[i].numel(), to[i].data());
  }
  nnkit::nn::CrossEntropyLoss criterion;
  nnkit::optim::SGD optimizer(model.parameters(), lr);
  const std::int64_t n = X.size(0);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (std::int64_t start = 0; start < n; start += batch_size) {
      std::vector<std::int64_t> rows;
      for (std::int64_t r = start; r < std::min(start + batch_size, n); ++r) rows.push_back(r);
      optimizer.zero_grad();
      const Tensor loss = criterion(model(X.index_select(rows)), y.index_select(rows).argmax(1));
      loss.backward();
      optimizer.step();
    }
  }
  return model.parameters();
}

/// The largest |a − b| over all parameters.
double max_difference(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::int64_t k = 0; k < a[i].numel(); ++k) {
      worst = std::max(worst, static_cast<double>(std::abs(a[i].data()[k] - b[i].data()[k])));
    }
  }
  return worst;
}

/// A fresh folder under the system's temp directory, removed when the test ends.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             fmt::format("nnkit_public_pytorch_ann_{}_{}", name, ::getpid())) {
    std::filesystem::remove_all(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// Tolerances, measured on the reference solution against torch (OPENBLAS_NUM_THREADS=1 on
// both sides). nnkit's float32 sums add in another order than torch's kernels, so values
// differ in the last bits (about 1e-7 on losses of order 1).
//  - train_small (20 epochs, 60 updates): largest difference measured 2.4e-7; allowed 1e-5.
constexpr double kSmallRunTolerance = 1e-5;
//  - the assignment's run, epochs 1-10: largest difference measured 1.2e-7 (train and val
//    loss; accuracies identical). Allowed 1e-5, while changes of the algorithm move them by
//    far more: in torch, lr 0.19 instead of 0.2, dropping the short last batch, reversing
//    the batch order or batches of 63 move the epoch-1 train loss by 0.056 to 0.36.
constexpr int kFirstEpochs = 10;
constexpr double kFirstEpochsTolerance = 1e-5;
//  - the whole 100-epoch curve. SGD at lr 0.2 amplifies last-bit differences once the loss
//    spikes: nnkit's curve equals torch's to 1e-6 up to epoch 58 and 5 printed decimals up
//    to epoch 75, then parts ways; the largest differences measured are 0.031 (train
//    loss), 0.055 (val loss), 0.0155 (train accuracy), 0.025 (val accuracy). PyTorch
//    itself does the same: 20 runs of the instructors' PyTorch script's training, each with
//    four initial weights moved by one float32 ulp, differ from the golden run by up to
//    0.41 (train loss), 0.49 (val loss), 0.089 (train accuracy), 0.075 (val accuracy) at
//    single epochs, by up to 0.0124, 0.0168, 0.0047, 0.0064 averaged over the 100 epochs,
//    and reach test accuracies 0.810 to 0.840 (torch's golden run: 0.830). So the curve is
//    held to bounds that float drift stays inside with room, twice torch's own spread:
//    the mean difference over the 100 epochs, and a looser bound at every epoch.
constexpr double kRunMeanLossTolerance = 0.03;
constexpr double kRunMeanAccuracyTolerance = 0.012;
constexpr double kRunEpochLossTolerance = 0.6;
constexpr double kRunEpochAccuracyTolerance = 0.15;
//  - test accuracy: measured 0.820 against torch's 0.830 (14 of 200 predictions differ);
//    allowed ±0.02, the spread of torch's own one-ulp-perturbed runs above. The item
//    itself is the manifest's threshold.
constexpr double kTestAccuracyTolerance = 0.02;

}  // namespace

TEST_CASE(ASSIGNMENT_ITEM_2_1) {
  const auto& ex = example().at("ann_20_10_10");
  PyTorchANN net(20, 10, 10);
  CHECK(net.input_size == 20);
  CHECK(net.hidden_size == 10);
  CHECK(net.output_size == 10);
  CHECK(net.seed == 42);
  CHECK(PyTorchANN(4, 3, 2, 7).seed == 7);

  SUBCASE("the model prints as torch's, with torch's parameter names") {
    CHECK_MESSAGE(net.model.repr() == ex.at("str_model").get<std::string>(),
                  "net.model prints\n" << net.model.repr() << "\nPyTorch prints\n"
                                       << ex.at("str_model").get<std::string>());
    const auto named = net.model.named_parameters();
    const auto& expected = ex.at("named_parameters");
    REQUIRE(named.size() == expected.size());
    for (std::size_t i = 0; i < named.size(); ++i) {
      CHECK(named[i].first == expected[i].at("name").get<std::string>());
      CHECK(named[i].second.shape() == expected[i].at("shape").get<nnkit::Shape>());
    }
    CHECK(net.model.num_parameters() == ex.at("num_parameters").get<std::int64_t>());
  }
  SUBCASE("manual_seed(random_seed) then the three layers in order: torch's weights") {
    for (int seed : {42, 7}) {
      PyTorchANN seeded(6, 4, 3, seed);
      const auto expected = reference_model(6, 4, 3, seed).parameters();
      const auto got = seeded.model.parameters();
      REQUIRE(got.size() == expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        check_close(got[i], expected[i], fmt::format("parameter {} with seed {}", i, seed),
                    "nnkit's Linear layers built right after manual_seed(seed), as torch draws them",
                    0.0);
      }
    }
    // The constructor draws the initial weights and nothing else: rand() right after it
    // continues torch's stream exactly where torch's does.
    PyTorchANN ann(5, 10, 3);
    check_close(nnkit::rand({5}), tensor_of(example().at("ann_5_10_3").at("forward_x")),
                "rand({5}) right after PyTorchANN(5, 10, 3)", kTorch, 0.0);
  }
}

TEST_CASE(ASSIGNMENT_ITEM_2_2) {
  const auto& ex = example().at("ann_5_10_3");
  PyTorchANN net(5, 10, 3);
  const Tensor x = nnkit::rand({5});
  const Tensor y = net.forward(x);
  CHECK_MESSAGE(nnkit::repr(y) == ex.at("repr_forward_out").get<std::string>(),
                "forward(rand({5})) prints " << nnkit::repr(y) << "; PyTorch prints "
                                             << ex.at("repr_forward_out").get<std::string>());
  check_close(y, tensor_of(ex.at("forward_out")), "forward(rand({5}))", kTorch, 1e-6);
  CHECK_MESSAGE(y.grad_fn() != nullptr, "forward must record the graph (train calls backward on it)");

  SUBCASE("a batch [N, 5] gives one row of logits per sample") {
    const Tensor batch = nnkit::rand({4, 5});
    const Tensor logits = net.forward(batch);
    REQUIRE(logits.shape() == nnkit::Shape{4, 3});
    for (std::int64_t r = 0; r < 4; ++r) {
      const Tensor row = net.forward(batch.index_select({r}).reshape({5}));
      for (std::int64_t c = 0; c < 3; ++c) {
        CHECK(logits.data()[r * 3 + c] == doctest::Approx(row.data()[c]).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE(ASSIGNMENT_ITEM_2_3) {
  const auto& small = golden().at("train_small");
  const auto& args = small.at("args");
  const int epochs = args.at("epochs"), batch_size = args.at("batch_size");
  const double lr = args.at("learning_rate");
  const SmallData data = small_data();
  auto make_net = [&] {
    return PyTorchANN(args.at("input_size"), args.at("hidden_size"), args.at("output_size"));
  };

  SUBCASE("PyTorch's progress lines, metrics and weights (130 samples, batch 64, 20 epochs)") {
    PyTorchANN net = make_net();
    std::ostringstream printed;
    net.train(data.train.X, data.train.y, data.val.X, data.val.y, epochs, batch_size, lr, printed);
    const auto lines = lines_of(printed.str());
    const auto expected = small.at("progress_lines").get<std::vector<std::string>>();
    REQUIRE_MESSAGE(lines.size() == expected.size(),
                    "one progress line every 5 epochs; it printed\n" << printed.str());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CHECK_MESSAGE(lines[i] == expected[i], "PyTorch prints\n" << expected[i]);
    }
    const auto& m = small.at("metrics");
    const std::pair<const char*, const std::vector<double>*> series[] = {
        {"train_losses", &net.train_val_metrics.train_losses},
        {"train_accs", &net.train_val_metrics.train_accs},
        {"val_losses", &net.train_val_metrics.val_losses},
        {"val_accs", &net.train_val_metrics.val_accs}};
    double worst = 0.0;
    // Named copies, not structured bindings: clang before 16 cannot capture those in the
    // lambdas doctest's *_MESSAGE macros make; a std::string also prints as text.
    for (const auto& entry : series) {
      const std::string name = entry.first;
      const std::vector<double>* values = entry.second;
      const auto want = m.at(name).get<std::vector<double>>();
      // fmt, not `name << ...`: doctest 2.4.9 streams a const char* as its address
      REQUIRE_MESSAGE(values->size() == want.size(),
                      fmt::format("{}: one value per epoch: {} values, expected {}", name,
                                  values->size(), want.size()));
      for (std::size_t e = 0; e < want.size(); ++e) {
        const double difference = std::abs((*values)[e] - want[e]);
        worst = std::max(worst, difference);
        CHECK_MESSAGE(difference <= kSmallRunTolerance,
                      fmt::format("{}[{}] (epoch {}) is {:.9g}; PyTorch gives {:.9g}", name, e,
                                  e + 1, (*values)[e], want[e]));
      }
    }
    const auto params = net.model.named_parameters();
    for (const auto& [name, tensor] : params) {
      worst = std::max(worst, check_close(tensor, tensor_of(small.at("params").at(name)),
                                          "trained " + name, kTorch, kSmallRunTolerance));
    }
    MESSAGE(fmt::format("train_small: largest difference from PyTorch {:.3g}", worst));
  }
  SUBCASE("consecutive mini-batches, the last one shorter, in order, no shuffling") {
    PyTorchANN net = make_net();
    const auto initial = reference_model(args.at("input_size"), args.at("hidden_size"),
                                         args.at("output_size"), 42);
    std::ostringstream ignored;
    net.train(data.train.X, data.train.y, data.val.X, data.val.y, 2, batch_size, lr, ignored);
    const auto expected = manual_training(initial, data.train.X, data.train.y, 2, batch_size, lr);
    const double difference = max_difference(net.model.parameters(), expected);
    CHECK_MESSAGE(difference <= 1e-6,
                  "after 2 epochs the weights differ from the hand-written loop by " << difference);
    // The comparison can tell batchings apart: dropping the short last batch (2 samples), or
    // one batch of everything, lands elsewhere.
    std::vector<std::int64_t> first_128(128);
    for (std::int64_t i = 0; i < 128; ++i) first_128[i] = i;
    const auto dropped = manual_training(initial, data.train.X.index_select(first_128),
                                         data.train.y.index_select(first_128), 2, batch_size, lr);
    CHECK(max_difference(dropped, expected) > 1e-4);
    const auto full = manual_training(initial, data.train.X, data.train.y, 2, 130, lr);
    CHECK(max_difference(full, expected) > 1e-4);
  }
  SUBCASE("metrics: one value per epoch, in eval mode without gradients, appended") {
    PyTorchANN net = make_net();
    std::ostringstream printed;
    net.train(data.train.X, data.train.y, data.val.X, data.val.y, 3, batch_size, lr, printed);
    CHECK(printed.str().empty());  // fewer than 5 epochs: no progress line
    const auto& m = net.train_val_metrics;
    CHECK(m.train_losses.size() == 3);
    CHECK(m.train_accs.size() == 3);
    CHECK(m.val_losses.size() == 3);
    CHECK(m.val_accs.size() == 3);
    // The last epoch's values are those of the trained model on the full sets, with the
    // one-hot labels as class-probability targets.
    nnkit::nn::CrossEntropyLoss criterion;
    const Tensor train_logits = net.forward(data.train.X);
    const Tensor val_logits = net.forward(data.val.X);
    CHECK(m.train_losses.back() == doctest::Approx(criterion(train_logits, data.train.y).item()).epsilon(1e-6));
    CHECK(m.val_losses.back() == doctest::Approx(criterion(val_logits, data.val.y).item()).epsilon(1e-6));
    CHECK(m.train_accs.back() == net.accuracy(data.train.X, data.train.y));
    CHECK(m.val_accs.back() == net.accuracy(data.val.X, data.val.y));
    for (const auto& p : net.model.parameters()) {
      CHECK_MESSAGE((p.requires_grad() && p.is_leaf()), "parameters stay trainable leaves");
    }

    // A second call goes on training and appends, as the homework's lists do.
    net.train(data.train.X, data.train.y, data.val.X, data.val.y, 2, batch_size, lr, printed);
    CHECK(m.train_losses.size() == 5);
    CHECK(m.train_accs.size() == 5);
    CHECK(m.val_losses.size() == 5);
    CHECK(m.val_accs.size() == 5);
  }
  SUBCASE("the progress line every 5 epochs, in the homework's format") {
    PyTorchANN net = make_net();
    std::ostringstream printed;
    net.train(data.train.X, data.train.y, data.val.X, data.val.y, 12, batch_size, lr, printed);
    const auto lines = lines_of(printed.str());
    REQUIRE(lines.size() == 2);
    const std::regex format(
        R"(\[(\d+) / 12\] \| Train Loss: \d+\.\d{5} \| Train Accuracy: \d\.\d{5} \| )"
        R"(Val Loss: \d+\.\d{5} \| Val Accuracy: \d\.\d{5})");
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::smatch match;
      CHECK_MESSAGE(std::regex_match(lines[i], match, format), "line: " << lines[i]);
      const int epoch = 5 * static_cast<int>(i + 1);
      const auto& m = net.train_val_metrics;
      CHECK(lines[i] == PyTorchANN::progress_line(epoch, 12, m.train_losses[epoch - 1],
                                                  m.train_accs[epoch - 1], m.val_losses[epoch - 1],
                                                  m.val_accs[epoch - 1]));
    }
  }
}

TEST_CASE(ASSIGNMENT_ITEM_2_4) {
  SUBCASE("torch's predictions for the doc examples") {
    const auto& ex = example().at("ann_5_10_3");
    PyTorchANN net(5, 10, 3);
    net.forward(nnkit::rand({5}));
    const Tensor predicted = net.predict(nnkit::rand({5, 5}));
    CHECK(nnkit::repr(predicted) == ex.at("repr_predict").get<std::string>());
    check_close(predicted, tensor_of(ex.at("predict")), "predict(rand({5, 5}))", kTorch, 0.0);

    const auto& first = example().at("ann_5_10_3_predict_first");
    PyTorchANN fresh(5, 10, 3);
    CHECK(nnkit::repr(fresh.predict(nnkit::rand({5, 5}))) ==
          first.at("repr_predict").get<std::string>());
  }
  SUBCASE("int64 class indices [N]: the argmax of the logits, in eval mode, no graph") {
    PyTorchANN net(5, 10, 3);
    const Tensor X = nnkit::rand({40, 5}) * 4.0f - 2.0f;
    net.model.train();
    const Tensor predicted = net.predict(X);
    CHECK(predicted.dtype() == nnkit::Dtype::Int64);
    REQUIRE(predicted.shape() == nnkit::Shape{40});
    CHECK(predicted.grad_fn() == nullptr);
    CHECK_FALSE(predicted.requires_grad());
    CHECK_MESSAGE(!net.model.is_training(), "predict switches the model to eval mode");
    const Tensor expected = net.forward(X).argmax(1);
    check_close(predicted, expected, "predict(X)", "the argmax of your own forward(X)", 0.0);
  }
}

TEST_CASE("given: accuracy is the fraction of rows whose predicted class is the label") {
  PyTorchANN net(5, 10, 3);
  const Tensor X = nnkit::rand({5, 5});  // predicted classes: torch's tensor([1, 2, 2, 2, 2])
  CHECK(net.accuracy(X, one_hot({1, 2, 2, 2, 2}, 3)) == 1.0);
  CHECK(net.accuracy(X, one_hot({0, 2, 2, 1, 2}, 3)) == doctest::Approx(0.6));
  CHECK_THROWS_AS(net.accuracy(X, one_hot({1, 2}, 3)), nnkit::Error);
}

TEST_CASE(ASSIGNMENT_ITEM_2_5) {
  const SmallData data = small_data();
  PyTorchANN net(8, 16, 3);
  std::ostringstream ignored;
  net.train(data.train.X, data.train.y, data.val.X, data.val.y, 6, 64, 0.5, ignored);
  TempDir dir("plot");
  const auto out = dir.path / "figures";  // not there yet: created by the call
  net.plot_train_val_metrics(out.string());
  const auto png = out / "pytorch_ann_train_val_metrics.png";
  REQUIRE_MESSAGE(std::filesystem::exists(png), "expected " << png.string());
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_MESSAGE(bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0, "not a PNG file");
  CHECK_MESSAGE(bytes.size() > 10000, "the PNG has only " << bytes.size() << " bytes");

  // The figure shows exactly the recorded metrics (the .dat beside it is what gnuplot read).
  const auto plotted = scaffold::read_train_val_data(out / "pytorch_ann_train_val_metrics.dat");
  const auto& m = net.train_val_metrics;
  REQUIRE(plotted.train_losses.size() == 6);
  for (std::size_t e = 0; e < 6; ++e) {
    CHECK(static_cast<float>(plotted.train_losses[e]) == static_cast<float>(m.train_losses[e]));
    CHECK(static_cast<float>(plotted.val_losses[e]) == static_cast<float>(m.val_losses[e]));
    CHECK(static_cast<float>(plotted.train_accs[e]) == static_cast<float>(m.train_accs[e]));
    CHECK(static_cast<float>(plotted.val_accs[e]) == static_cast<float>(m.val_accs[e]));
  }
  SUBCASE("nothing to plot before training") {
    PyTorchANN untrained(8, 16, 3);
    CHECK_THROWS_AS(untrained.plot_train_val_metrics(dir.path.string()), nnkit::Error);
  }
}

// The item is the threshold, as the grader's public case: the comparisons with torch's run
// are WARNs, shown as notes.
TEST_CASE(ASSIGNMENT_ITEM_2_6) {
  const auto& run = golden().at("run");
  const auto& args = run.at("args");
  using namespace nnkit::data;
  const auto dir = default_data_dir();
  REQUIRE_MESSAGE(std::filesystem::exists(dir / "train-images-idx3-ubyte.gz"),
                  "Fashion-MNIST is not in " << dir.string() << " (run `make data`)");
  const auto split = scaffold::make_assignment_split(load_fashion_mnist(dir));
  const Tensor X_train(normalize_pixels<float>(flatten_images(split.X_train)));
  const Tensor X_val(normalize_pixels<float>(flatten_images(split.X_val)));
  const Tensor X_test(normalize_pixels<float>(flatten_images(split.X_test)));
  const Tensor y_train(one_hot<float>(split.y_train));
  const Tensor y_val(one_hot<float>(split.y_val));
  const Tensor y_test(one_hot<float>(split.y_test));

  PyTorchANN net(784, args.at("hidden_size"), 10);
  std::ostringstream printed;
  net.train(X_train, y_train, X_val, y_val, args.at("epochs"), args.at("batch_size"),
            args.at("learning_rate").get<double>(), printed);

  const double test_accuracy = net.accuracy(X_test, y_test);
  MESSAGE(fmt::format("Accuracy on test set: {:.5f} (PyTorch: {})", test_accuracy,
                      run.at("test_accuracy_line").get<std::string>()));
  CHECK(test_accuracy >= assignment::manifest::pytorch_ann::test_accuracy_threshold);

  // The learning curve against PyTorch's, epoch by epoch (tolerances: see the top).
  const auto& m = run.at("metrics");
  const std::pair<const char*, const std::vector<double>*> series[] = {
      {"train_losses", &net.train_val_metrics.train_losses},
      {"train_accs", &net.train_val_metrics.train_accs},
      {"val_losses", &net.train_val_metrics.val_losses},
      {"val_accs", &net.train_val_metrics.val_accs}};
  for (const auto& entry : series) {  // not structured bindings: see the small run above
    const std::string name = entry.first;
    const std::vector<double>* values = entry.second;
    const auto want = m.at(name).get<std::vector<double>>();
    WARN_MESSAGE(values->size() == want.size(),
                 fmt::format("{}: one value per epoch: {} values, expected {}", name,
                             values->size(), want.size()));
    if (values->size() != want.size()) continue;
    const bool is_loss = std::string(name).find("loss") != std::string::npos;
    const double epoch_tolerance = is_loss ? kRunEpochLossTolerance : kRunEpochAccuracyTolerance;
    const double mean_tolerance = is_loss ? kRunMeanLossTolerance : kRunMeanAccuracyTolerance;
    double first_worst = 0.0, worst = 0.0, total = 0.0;
    std::size_t worst_epoch = 0;
    bool shown = false;  // the first epoch out of tolerance is shown, not every one
    for (std::size_t e = 0; e < want.size(); ++e) {
      const double difference = std::abs((*values)[e] - want[e]);
      total += difference;
      if (e < kFirstEpochs) first_worst = std::max(first_worst, difference);
      if (difference > worst) worst = difference, worst_epoch = e + 1;
      const double allowed = e < kFirstEpochs ? kFirstEpochsTolerance : epoch_tolerance;
      if (shown || difference <= allowed) continue;
      shown = true;
      WARN_MESSAGE(difference <= allowed,
                    fmt::format("{} at epoch {} is {:.7f}; PyTorch gives {:.7f} (allowed "
                                "difference {:.0e})", name, e + 1, (*values)[e], want[e], allowed));
    }
    const double mean = total / static_cast<double>(want.size());
    WARN_MESSAGE(mean <= mean_tolerance,
                  fmt::format("{}: mean difference from PyTorch over the {} epochs is {:.4f}, "
                              "allowed {}", name, want.size(), mean, mean_tolerance));
    MESSAGE(fmt::format("{}: largest difference from PyTorch {:.2g} in epochs 1-{}, {:.3g} "
                        "overall (epoch {}), mean {:.3g}", name, first_worst, kFirstEpochs,
                        worst, worst_epoch, mean));
  }

  const auto lines = lines_of(printed.str());
  const auto expected = run.at("progress_lines").get<std::vector<std::string>>();
  WARN(lines.size() == expected.size());
  std::size_t identical = 0;
  for (std::size_t i = 0; i < std::min(lines.size(), expected.size()); ++i) {
    identical += lines[i] == expected[i];
  }
  MESSAGE(identical << " of " << expected.size() << " progress lines identical to PyTorch's");
  if (lines.size() >= 2 && expected.size() >= 2) {  // epochs 5 and 10: before any drift
    WARN(lines[0] == expected[0]);
    WARN(lines[1] == expected[1]);
  }

  const Tensor predicted = net.predict(X_test);
  const auto torch_predictions = run.at("test_predictions").get<std::vector<std::int64_t>>();
  REQUIRE(predicted.numel() == static_cast<std::int64_t>(torch_predictions.size()));
  std::size_t differing = 0;
  for (std::size_t i = 0; i < torch_predictions.size(); ++i) {
    differing += static_cast<std::int64_t>(predicted.data()[i]) != torch_predictions[i];
  }
  MESSAGE(differing << " of " << torch_predictions.size()
                    << " test predictions differ from PyTorch's");
  WARN(std::abs(test_accuracy - run.at("test_accuracy").get<double>()) <=
        kTestAccuracyTolerance + 1e-6);
}

TEST_CASE(ASSIGNMENT_ITEM_2_7) {
  PyTorchANN net(784, 32, 10);
  const std::string judgement = net.report_my_judgement();
  CHECK_NOTHROW(scaffold::check_judgement(judgement));
  MESSAGE("report_my_judgement() = \"" << judgement << "\"");
}
