// Public tests of part 3, PyTorchCNN: one test case
// per item, named with its points. Expected values are PyTorch 1.13's, from
// golden/pytorch_cnn.json (written by the instructors' PyTorch script: the model's
// printout, parameter names and seeded initial values, the doc examples of
// pytorch_cnn.hpp, and the assignment's full 60-epoch run).
//
// Seeded values (initial weights) must equal torch's bit for bit. Logits go through four
// convolutions whose float32 sums add in another order than torch's oneDNN kernels, so they
// match to a relative 1e-4 (1e-3 in train mode, where BatchNorm over 4 images magnifies
// it). Items 3.2 and 3.3 share one full training run on the real split (about four minutes
// on two cores; PyTorch takes about four and a half on the same two cores).
#include <doctest/doctest.h>

#if __has_include(<malloc.h>)
#include <malloc.h>  // mallopt, M_MMAP_MAX: glibc (Linux, WSL); macOS has no malloc.h
#endif

#include <algorithm>
#include <climits>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xtensor/xarray.hpp>

#include <nnkit/autograd/node.hpp>
#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/error.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

#include "assignment_manifest.hpp"
#include "assignment_split.hpp"
#include "check_text.hpp"
#include "pytorch_cnn.hpp"
#include "train_val_metrics.hpp"

namespace {

using json = nlohmann::json;
using nnkit::Tensor;

const json& golden() {
  static const json data = [] {
    const std::string path = std::string(NNKIT_SOLUTION_GOLDEN_DIR) + "/pytorch_cnn.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path << " (the instructors' PyTorch script writes it)");
    return json::parse(in);
  }();
  return data;
}

/// CHECKs that `got` has torch's shape and values to a relative `rel` (absolute below
/// `floor`); names the first bad element, how many differ and where the values come from.
void check_close(const Tensor& got, const json& expected, const std::string& what,
                 double rel = 1e-4, double floor = 1e-3) {
  const std::string reference = "torch's value, golden/pytorch_cnn.json";
  const auto shape = expected.at("shape").get<nnkit::Shape>();
  REQUIRE_MESSAGE(got.shape() == shape,
                  public_tests::shape_mismatch_text(what, got.shape(), shape, reference));
  const auto values = expected.at("data").get<std::vector<double>>();
  double worst = 0.0;
  std::size_t first = 0, differing = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double error = std::abs(got.data()[i] - values[i]) / std::max(std::abs(values[i]), floor);
    if (!(error <= rel) && differing++ == 0) first = i;
    worst = std::max(worst, error);
  }
  if (differing > 0) {
    const double g = got.data()[first], e = values[first];
    FAIL_CHECK(public_tests::value_mismatch_text(
        what, shape, first, differing, values.size(), fmt::format("{:.9g}", g),
        fmt::format("{:.9g}", e), reference,
        fmt::format("relative error {:.3g}, allowed {:.0e}",
                    std::abs(g - e) / std::max(std::abs(e), floor), rel)));
    return;
  }
  MESSAGE(what << ": max relative error against torch " << worst);
}

/// CHECKs a seeded parameter against torch's summary: the first 50 and last 10 values bit
/// for bit, and the sum of all values.
void check_seeded(const Tensor& got, const json& summary, const std::string& name) {
  REQUIRE(got.numel() == summary.at("numel").get<std::int64_t>());
  const auto head = summary.at("head").get<std::vector<float>>();
  const auto tail = summary.at("tail").get<std::vector<float>>();
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (got.data()[i] != head[i]) {
      FAIL_CHECK(fmt::format("{} element {} is {:.9g}, torch has {:.9g}: seed first "
                             "(nnkit::manual_seed), then build the modules in the model's order",
                             name, i, got.data()[i], head[i]));
      return;
    }
  }
  for (std::size_t i = 0; i < tail.size(); ++i) {
    const std::int64_t at = got.numel() - static_cast<std::int64_t>(tail.size() - i);
    CHECK_MESSAGE(got.data()[at] == tail[i], name << " element " << at);
  }
  double sum = 0.0;
  for (std::int64_t i = 0; i < got.numel(); ++i) sum += got.data()[i];
  CHECK_MESSAGE(sum == doctest::Approx(summary.at("sum").get<double>()).epsilon(1e-9),
                name << ": sum of all values");
}

/// Writes to two streams at once: the training log is kept for the checks and shown live.
class TeeBuffer : public std::streambuf {
public:
  TeeBuffer(std::streambuf* a, std::streambuf* b) : a_(a), b_(b) {}

protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const bool ok = a_->sputc(static_cast<char>(c)) != traits_type::eof() &&
                    b_->sputc(static_cast<char>(c)) != traits_type::eof();
    return ok ? c : traits_type::eof();
  }
  int sync() override { return (a_->pubsync() == 0 && b_->pubsync() == 0) ? 0 : -1; }

private:
  std::streambuf* a_;
  std::streambuf* b_;
};

Tensor images_tensor(const xt::xarray<std::uint8_t>& images) {
  const auto n = static_cast<std::int64_t>(images.shape()[0]);
  return Tensor(nnkit::data::normalize_pixels<float>(images)).reshape({n, 1, 28, 28});
}

Tensor labels_tensor(const xt::xarray<std::uint8_t>& labels) {
  return Tensor(nnkit::data::one_hot<float>(labels, 10));
}

/// The assignment's run (item 3.2), trained once and shared by 3.2 and 3.3.
struct TrainedRun {
  PyTorchCNN cnn;
  std::vector<std::string> progress_lines;
  double test_accuracy = 0.0;
  double seconds = 0.0;
};

TrainedRun& trained_run() {
  static TrainedRun run = [] {
    // As the program pytorch_cnn does: keep freed activations in the heap for the next
    // epoch instead of mmapping (and page-faulting) ~1.5 GB afresh each time.
#ifdef M_MMAP_MAX
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
    const auto split = scaffold::make_assignment_split(nnkit::data::load_fashion_mnist());
    const Tensor X_train = images_tensor(split.X_train), y_train = labels_tensor(split.y_train);
    const Tensor X_val = images_tensor(split.X_val), y_val = labels_tensor(split.y_val);
    const Tensor X_test = images_tensor(split.X_test), y_test = labels_tensor(split.y_test);
    const auto& args = golden().at("run").at("args");

    TrainedRun result;
    std::ostringstream kept;
    TeeBuffer tee(kept.rdbuf(), std::cout.rdbuf());
    std::ostream log(&tee);
    const auto start = std::chrono::steady_clock::now();
    result.cnn.train(X_train, y_train, X_val, y_val, args.at("epochs").get<int>(),
                     args.at("learning_rate").get<double>(), log);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.test_accuracy = result.cnn.accuracy(X_test, y_test);
    std::istringstream lines(kept.str());
    for (std::string line; std::getline(lines, line);) result.progress_lines.push_back(line);
    return result;
  }();
  return run;
}

}  // namespace

TEST_CASE(ASSIGNMENT_ITEM_3_1) {
  const json& model = golden().at("model");
  PyTorchCNN cnn;

  SUBCASE("num_classes and the model printed exactly as torch prints it") {
    CHECK(cnn.num_classes == 10);
    CHECK(cnn.model.repr() == model.at("str").get<std::string>());
    PyTorchCNN three(3);
    CHECK(three.num_classes == 3);
    REQUIRE(three.model.size() == 24);
    CHECK(three.model.at<nnkit::nn::Linear>(23).out_features == 3);
  }

  SUBCASE("parameter and buffer names and shapes, parameter count") {
    const auto named = cnn.model.named_parameters();
    const json& expected = model.at("named_parameters");
    REQUIRE(named.size() == expected.size());
    for (std::size_t i = 0; i < named.size(); ++i) {
      CAPTURE(i);
      CHECK(named[i].first == expected[i].at("name").get<std::string>());
      CHECK(nnkit::to_string(named[i].second.shape()) ==
            nnkit::to_string(expected[i].at("shape").get<nnkit::Shape>()));
    }
    const auto buffers = cnn.model.named_buffers();
    const json& expected_buffers = model.at("named_buffers");
    REQUIRE(buffers.size() == expected_buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      CHECK(buffers[i].first == expected_buffers[i].at("name").get<std::string>());
    }
    CHECK(cnn.model.num_parameters() == model.at("num_parameters").get<std::int64_t>());
    CHECK(cnn.model.num_parameters() == 422986);
  }

  SUBCASE("seeded with 42, every initial parameter equals torch's") {
    const json& initial = model.at("initial_parameters");
    // Not structured bindings: clang before 16 cannot capture those in CAPTURE's lambda.
    for (const auto& parameter : cnn.model.named_parameters()) {
      const auto& name = parameter.first;
      const auto& tensor = parameter.second;
      CAPTURE(name);
      REQUIRE(initial.contains(name));
      check_seeded(tensor, initial.at(name), name);
    }
  }

  SUBCASE("random_seed is used: seed 7 twice gives the same weights, not seed 42's") {
    PyTorchCNN a(10, 7), b(10, 7);
    const Tensor wa = a.model.named_parameters()[0].second;
    const Tensor wb = b.model.named_parameters()[0].second;
    const Tensor w42 = cnn.model.named_parameters()[0].second;
    CHECK(std::equal(wa.data(), wa.data() + wa.numel(), wb.data()));
    CHECK_FALSE(std::equal(wa.data(), wa.data() + wa.numel(), w42.data()));
  }

  SUBCASE("forward in eval mode and predict equal torch's (doc example)") {
    const json& example = golden().at("examples").at("eval");
    const Tensor x = nnkit::rand({2, 1, 28, 28});  // drawn after the model, as in the example
    cnn.model.eval();
    Tensor logits;
    {
      nnkit::NoGradGuard no_grad;
      logits = cnn.forward(x);
    }
    check_close(logits, example.at("logits"), "eval forward(x)");
    const Tensor predicted = cnn.predict(x);
    CHECK(predicted.dtype() == nnkit::Dtype::Int64);
    CHECK(predicted.shape() == nnkit::Shape{2});
    CHECK(nnkit::repr(predicted) == example.at("printed_predict").get<std::string>());
  }

  SUBCASE("forward in train mode: four dropout masks drawn as torch draws them") {
    const json& example = golden().at("examples").at("train");
    const Tensor x = nnkit::rand({4, 1, 28, 28});
    cnn.model.train();
    const Tensor logits = cnn.forward(x);
    // BatchNorm over 4 images magnifies rounding differences: 1e-3 still tells a wrong mask
    // (which moves logits by tens of percent) from float32 noise (~5e-5 here).
    check_close(logits, example.at("logits"), "train-mode forward(x)", 1e-3);
    CHECK(logits.requires_grad());  // the graph is recorded for backward
  }

  SUBCASE("forward and predict shapes on a small batch") {
    const Tensor x = nnkit::rand({5, 1, 28, 28});
    cnn.model.train();
    CHECK(cnn.forward(x).shape() == nnkit::Shape{5, 10});
    const Tensor predicted = cnn.predict(x);
    CHECK(predicted.dtype() == nnkit::Dtype::Int64);
    CHECK(predicted.shape() == nnkit::Shape{5});
    for (std::int64_t i = 0; i < 5; ++i) {
      CHECK(predicted.data()[i] >= 0.0f);
      CHECK(predicted.data()[i] < 10.0f);
    }
    CHECK_FALSE(cnn.model.is_training());  // predict switched to eval mode
  }
}

TEST_CASE("given: train records four metrics and prints one progress line per epoch") {
  PyTorchCNN cnn;
  const Tensor X = nnkit::rand({6, 1, 28, 28});
  std::vector<float> one_hot(6 * 10, 0.0f);
  for (int i = 0; i < 6; ++i) one_hot[i * 10 + i % 3] = 1.0f;
  const Tensor y = Tensor::from_vector({6, 10}, one_hot);
  std::ostringstream log;
  cnn.train(X, y, X, y, 2, 0.002, log);
  CHECK(cnn.train_val_metrics.train_losses.size() == 2);
  CHECK(cnn.train_val_metrics.train_accs.size() == 2);
  CHECK(cnn.train_val_metrics.val_losses.size() == 2);
  CHECK(cnn.train_val_metrics.val_accs.size() == 2);
  std::istringstream lines(log.str());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  CHECK(first.rfind("[1 / 2] | Train Loss: ", 0) == 0);
  CHECK(second.rfind("[2 / 2] | Train Loss: ", 0) == 0);
  CHECK(first.find("| Val Accuracy: ") != std::string::npos);
  CHECK_THROWS_AS(cnn.train(X.reshape({6, 784}), y, X, y, 1, 0.002, log), nnkit::Error);
}

// 3.2 and 3.3 read one training run (trained_run()): the runner runs the test cases of
// this suite in one process, so `make test` trains the CNN once.
TEST_SUITE_BEGIN("one run: the CNN trained for the assignment's epochs");

// The item is the threshold, as the grader's public case: the comparisons with torch's run
// are WARNs, shown as notes.
TEST_CASE(ASSIGNMENT_ITEM_3_2) {
  const json& torch_run = golden().at("run");
  TrainedRun& run = trained_run();
  MESSAGE(fmt::format("test accuracy {:.5f} (torch: {:.5f}), training took {:.0f} s",
                      run.test_accuracy, torch_run.at("test_accuracy").get<double>(), run.seconds));
  CHECK(run.test_accuracy >= assignment::manifest::pytorch_cnn::test_accuracy_threshold);

  const auto epochs = torch_run.at("args").at("epochs").get<std::size_t>();
  WARN(run.progress_lines.size() == epochs);
  const auto& metrics = run.cnn.train_val_metrics;
  WARN(metrics.train_losses.size() == epochs);
  if (run.progress_lines.size() != epochs || metrics.train_losses.size() != epochs) return;
  WARN(run.progress_lines.front().rfind(fmt::format("[1 / {}] | Train Loss: ", epochs), 0) == 0);

  // The first epoch's train loss is the seeded model's loss on the 2000 images with the
  // first four dropout masks, before any step: it must be torch's up to float32 rounding.
  const json& torch_metrics = torch_run.at("train_val_metrics");
  const double torch_first = torch_metrics.at("train_losses")[0].get<double>();
  MESSAGE(fmt::format("first epoch train loss {:.7f}, torch {:.7f}", metrics.train_losses[0],
                      torch_first));
  WARN(metrics.train_losses[0] == doctest::Approx(torch_first).epsilon(1e-5));
  // Later epochs drift from torch's with float32 rounding (torch's oneDNN convolutions add
  // in another order); shown for comparison, not checked.
  const std::size_t last = epochs - 1;
  MESSAGE(fmt::format("epoch {}: train loss {:.5f} (torch {:.5f}), train accuracy {:.5f} ({:.5f}), "
                      "val loss {:.5f} ({:.5f}), val accuracy {:.5f} ({:.5f})", epochs,
                      metrics.train_losses[last], torch_metrics.at("train_losses")[last].get<double>(),
                      metrics.train_accs[last], torch_metrics.at("train_accs")[last].get<double>(),
                      metrics.val_losses[last], torch_metrics.at("val_losses")[last].get<double>(),
                      metrics.val_accs[last], torch_metrics.at("val_accs")[last].get<double>()));
}

TEST_CASE(ASSIGNMENT_ITEM_3_3) {
  TrainedRun& run = trained_run();
  std::string judgement;
  REQUIRE_NOTHROW(judgement = scaffold::check_judgement(run.cnn.report_my_judgement()));
  MESSAGE("judgement: " << judgement);

  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("test_pytorch_cnn_{}", std::chrono::steady_clock::now()
                                                          .time_since_epoch()
                                                          .count());
  std::filesystem::create_directories(dir);
  const auto png = run.cnn.plot_train_val_metrics(dir);
  CHECK(png.filename() == "pytorch_cnn_train_val_metrics.png");
  REQUIRE(std::filesystem::exists(png));
  const auto size = std::filesystem::file_size(png);
  CHECK(size > 10'000);      // two panels with axes, curves and legends
  CHECK(size < 5'000'000);
  std::ifstream in(png, std::ios::binary);
  std::string signature(8, '\0');
  in.read(signature.data(), 8);
  CHECK(signature == std::string("\x89PNG\r\n\x1a\n", 8));

  // The .dat beside it holds exactly the plotted numbers: the metrics, to 9 digits.
  auto dat = png;
  dat.replace_extension(".dat");
  const auto plotted = scaffold::read_train_val_data(dat);
  const auto& metrics = run.cnn.train_val_metrics;
  const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!(std::abs(a[i] - b[i]) <= 1e-8 * std::max(std::abs(b[i]), 1e-8))) return false;
    }
    return true;
  };
  CHECK(same(plotted.train_losses, metrics.train_losses));
  CHECK(same(plotted.train_accs, metrics.train_accs));
  CHECK(same(plotted.val_losses, metrics.val_losses));
  CHECK(same(plotted.val_accs, metrics.val_accs));
  std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
