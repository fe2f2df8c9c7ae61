// Fashion-MNIST loading, the assignment's split and the transforms.
// The split is checked against lib/tests/golden/fashion_mnist_split.json, written by
// make_fashion_mnist_split_golden.py with NumPy and scikit-learn's train_test_split.
// The real dataset comes from default_data_dir() (`make data` runs before the tests).
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/error.hpp>

#include "testing.hpp"

namespace fs = std::filesystem;
using namespace nnkit::data;
using nnkit::testing::contains;
using nnkit::testing::error_message;

namespace {

const fs::path kFixtures = NNKIT_FIXTURE_DIR;
const fs::path kGolden = NNKIT_GOLDEN_DIR;

/// The real dataset, read once for all test cases.
const FashionMnist& real_data() {
  static const FashionMnist data = load_fashion_mnist(default_data_dir());
  return data;
}

/// Sets an environment variable for one scope and restores it afterwards.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

private:
  const char* name_;
  std::optional<std::string> old_;
};

std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 0x100000001b3ULL;
  return h;
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// Checks one side of the split (images [N, 28, 28], labels [N]) against its golden entry
/// and against the rows of the source set it claims to come from.
void check_side(const char* side, const xt::xarray<std::uint8_t>& X,
                const xt::xarray<std::uint8_t>& y, const xt::xarray<std::uint8_t>& source_images,
                const xt::xarray<std::uint8_t>& source_labels, const nlohmann::json& golden) {
  CAPTURE(side);
  const auto count = golden.at("count").get<std::size_t>();
  const auto indices = golden.at("indices").get<std::vector<std::size_t>>();
  const auto labels = golden.at("labels").get<std::vector<int>>();
  const auto sums = golden.at("pixel_sums").get<std::vector<long>>();
  REQUIRE(X.dimension() == 3);
  REQUIRE(X.shape()[0] == count);
  REQUIRE(X.shape()[1] == 28);
  REQUIRE(X.shape()[2] == 28);
  REQUIRE(y.dimension() == 1);
  REQUIRE(y.shape()[0] == count);
  REQUIRE(indices.size() == count);
  REQUIRE(labels.size() == count);
  REQUIRE(sums.size() == count);

  constexpr std::size_t kRow = 784;
  std::size_t wrong_labels = 0, wrong_sums = 0, wrong_rows = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* row = X.data() + i * kRow;
    long sum = 0;
    for (std::size_t k = 0; k < kRow; ++k) sum += row[k];
    const std::uint8_t* source_row = source_images.data() + indices[i] * kRow;
    const bool same_row = std::equal(row, row + kRow, source_row);
    if (y(i) != labels[i] || sum != sums[i] || !same_row || source_labels(indices[i]) != y(i)) {
      // Report only the first few mismatches, with their row, so a failure is readable.
      if (wrong_labels + wrong_sums + wrong_rows < 5) {
        MESSAGE(side << " row " << i << ": label " << int(y(i)) << " (golden " << labels[i]
                     << "), pixel sum " << sum << " (golden " << sums[i] << "), source row "
                     << indices[i] << (same_row ? " matches" : " differs"));
      }
    }
    wrong_labels += y(i) != labels[i];
    wrong_sums += sum != sums[i];
    wrong_rows += !same_row || source_labels(indices[i]) != y(i);
  }
  CHECK(wrong_labels == 0);
  CHECK(wrong_sums == 0);
  CHECK(wrong_rows == 0);
  CHECK(hex16(fnv1a64(X.data(), X.size())) == golden.at("fnv1a64").get<std::string>());
}

}  // namespace

TEST_CASE("default_data_dir: FMNIST_DIR when set and not empty, else Debian's folder") {
  {
    ScopedEnv env("FMNIST_DIR", "/some/where");
    CHECK(default_data_dir() == fs::path("/some/where"));
  }
  {
    ScopedEnv env("FMNIST_DIR", "");
    CHECK(default_data_dir() == fs::path("/usr/share/datasets/fashion-mnist"));
  }
  {
    ScopedEnv env("FMNIST_DIR", nullptr);
    CHECK(default_data_dir() == fs::path("/usr/share/datasets/fashion-mnist"));
  }
}

TEST_CASE("load_fashion_mnist reads the real dataset with its shapes and 10 balanced classes") {
  const FashionMnist& d = real_data();
  using Shape = std::vector<std::size_t>;
  CHECK(Shape(d.train_images.shape().begin(), d.train_images.shape().end()) ==
        Shape{60000, 28, 28});
  CHECK(Shape(d.train_labels.shape().begin(), d.train_labels.shape().end()) == Shape{60000});
  CHECK(Shape(d.test_images.shape().begin(), d.test_images.shape().end()) ==
        Shape{10000, 28, 28});
  CHECK(Shape(d.test_labels.shape().begin(), d.test_labels.shape().end()) == Shape{10000});
  // Fashion-MNIST has 6000 training and 1000 test images of every class.
  std::array<std::size_t, 10> train_counts{}, test_counts{};
  for (std::size_t i = 0; i < d.train_labels.size(); ++i) ++train_counts.at(d.train_labels(i));
  for (std::size_t i = 0; i < d.test_labels.size(); ++i) ++test_counts.at(d.test_labels(i));
  for (std::size_t c = 0; c < 10; ++c) {
    CAPTURE(c);
    CHECK(train_counts[c] == 6000);
    CHECK(test_counts[c] == 1000);
  }
}

// The sizes make_fashion_mnist_split_golden.py passes to scikit-learn.
constexpr SplitSizes kGoldenSizes{2000, 200, 200, 42};

TEST_CASE("make_train_val_test_split picks the same images, in the same order, as scikit-learn") {
  std::ifstream in(kGolden / "fashion_mnist_split.json");
  REQUIRE_MESSAGE(in.good(), "missing golden file; run /usr/bin/python3 "
                             "lib/tests/golden/make_fashion_mnist_split_golden.py");
  const nlohmann::json golden = nlohmann::json::parse(in);
  const FashionMnist& d = real_data();
  const TrainValTestSplit s = make_train_val_test_split(d, kGoldenSizes);
  check_side("X_train", s.X_train, s.y_train, d.train_images, d.train_labels,
             golden.at("X_train"));
  check_side("X_val", s.X_val, s.y_val, d.train_images, d.train_labels, golden.at("X_val"));
  check_side("X_test", s.X_test, s.y_test, d.test_images, d.test_labels, golden.at("X_test"));
}

TEST_CASE("the split feeds the transforms: [2000, 784] float64 in [0, 1], one-hot [2000, 10]") {
  const TrainValTestSplit s = make_train_val_test_split(real_data(), kGoldenSizes);
  const xt::xarray<double> X = flatten_images(normalize_pixels<double>(s.X_train));
  const xt::xarray<double> Y = one_hot(s.y_train);
  REQUIRE(X.shape()[0] == 2000);
  REQUIRE(X.shape()[1] == 784);
  REQUIRE(Y.shape()[0] == 2000);
  REQUIRE(Y.shape()[1] == 10);
  for (std::size_t k = 0; k < 784; ++k) CHECK(X(1999, k) == s.X_train(1999, k / 28, k % 28) / 255.0);
  for (std::size_t c = 0; c < 10; ++c) CHECK(Y(0, c) == (c == s.y_train(0) ? 1.0 : 0.0));
}

TEST_CASE("load_fashion_mnist on tiny fixture folders") {
  SUBCASE("a valid folder") {
    const FashionMnist d = load_fashion_mnist(kFixtures / "fmnist_tiny");
    CHECK(d.train_images.shape()[0] == 6);
    CHECK(d.train_images.shape()[1] == 28);
    CHECK(d.train_labels.shape()[0] == 6);
    CHECK(d.test_images.shape()[0] == 4);
    CHECK(d.test_labels.shape()[0] == 4);
    CHECK(d.train_images(0, 0, 1) == 48);  // byte k = (k * 37 + 11) % 256, k = 1
    CHECK(d.test_labels(3) == 9);          // label k = k * 3 % 10
  }
  SUBCASE("a label >= 10 names the file, the row and the value") {
    const std::string message =
        error_message([] { load_fashion_mnist(kFixtures / "fmnist_bad_label"); });
    CAPTURE(message);
    CHECK(contains(message, (kFixtures / "fmnist_bad_label" / "t10k-labels-idx1-ubyte.gz").string()));
    CHECK(contains(message, "label 12 in row 2"));
    CHECK(contains(message, "0..9"));
    CHECK(contains(message, "make data"));
  }
  SUBCASE("label and image counts that disagree name both files") {
    const std::string message =
        error_message([] { load_fashion_mnist(kFixtures / "fmnist_count_mismatch"); });
    CAPTURE(message);
    CHECK(contains(message, "train-labels-idx1-ubyte.gz holds 7 labels"));
    CHECK(contains(message, "train-images-idx3-ubyte.gz holds 6 images"));
  }
  SUBCASE("a folder that does not exist, and a file instead of a folder") {
    std::string message = error_message([] { load_fashion_mnist(kFixtures / "no_such_folder"); });
    CAPTURE(message);
    CHECK(contains(message, "no_such_folder does not exist"));
    CHECK(contains(message, "FMNIST_DIR"));
    message = error_message([] { load_fashion_mnist(kFixtures / "labels_5.idx1-ubyte.gz"); });
    CHECK(contains(message, "labels_5.idx1-ubyte.gz is not a folder"));
  }
  SUBCASE("a folder missing a file names that file") {
    const std::string message = error_message([] { load_fashion_mnist(kFixtures); });
    CAPTURE(message);
    CHECK(contains(message, (kFixtures / "train-images-idx3-ubyte.gz").string()));
    CHECK(contains(message, "does not exist"));
  }
}

TEST_CASE("normalize_pixels divides by 255 in float64, as NumPy does") {
  xt::xarray<std::uint8_t> pixels = xt::xarray<std::uint8_t>::from_shape({2, 16, 8});
  for (std::size_t k = 0; k < 256; ++k) pixels.data()[k] = static_cast<std::uint8_t>(k);
  const xt::xarray<double> d = normalize_pixels(pixels);
  const xt::xarray<float> f = normalize_pixels<float>(pixels);
  REQUIRE(d.shape() == pixels.shape());
  REQUIRE(f.shape() == pixels.shape());
  for (std::size_t k = 0; k < 256; ++k) {
    CAPTURE(k);
    CHECK(d.data()[k] == static_cast<double>(k) / 255.0);
    // torch.tensor(X / 255, dtype=torch.float32): divide in double, then round once to float.
    CHECK(f.data()[k] == static_cast<float>(static_cast<double>(k) / 255.0));
  }
  CHECK(d(0, 0, 0) == 0.0);
  CHECK(d(1, 15, 7) == 1.0);
  CHECK(f(1, 15, 7) == 1.0f);
}

TEST_CASE("flatten_images: [N, 28, 28] -> [N, 784] in row-major order") {
  xt::xarray<std::uint8_t> images = xt::xarray<std::uint8_t>::from_shape({3, 28, 28});
  for (std::size_t k = 0; k < images.size(); ++k) images.data()[k] = static_cast<std::uint8_t>(k * 7);
  const auto flat = flatten_images(images);
  REQUIRE(flat.dimension() == 2);
  CHECK(flat.shape()[0] == 3);
  CHECK(flat.shape()[1] == 784);
  for (std::size_t n = 0; n < 3; ++n)
    for (std::size_t k = 0; k < 784; ++k) CHECK(flat(n, k) == images(n, k / 28, k % 28));
  const xt::xarray<float> flat_f = flatten_images(normalize_pixels<float>(images));
  CHECK(flat_f.shape()[1] == 784);
  CHECK(flat_f(2, 783) == normalize_pixels<float>(images)(2, 27, 27));

  const std::string message =
      error_message([] { flatten_images(xt::xarray<double>::from_shape({5})); });
  CHECK(contains(message, "flatten_images: got shape [5]"));
}

TEST_CASE("one_hot: np.eye(num_classes)[labels], errors name the row and the value") {
  const xt::xarray<std::uint8_t> labels = {3, 0, 9, 3};
  const xt::xarray<double> Y = one_hot(labels);
  REQUIRE(Y.shape()[0] == 4);
  REQUIRE(Y.shape()[1] == 10);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t c = 0; c < 10; ++c) CHECK(Y(i, c) == (c == labels(i) ? 1.0 : 0.0));
  const xt::xarray<float> Yf = one_hot<float>(labels, 12);
  CHECK(Yf.shape()[1] == 12);
  CHECK(Yf(2, 9) == 1.0f);

  const xt::xarray<std::uint8_t> bad = {1, 2, 10, 4};
  std::string message = error_message([&] { one_hot(bad); });
  CAPTURE(message);
  CHECK(contains(message, "label 10 in row 2"));
  CHECK(contains(message, "0..9"));
  message = error_message([&] { one_hot(labels, 3); });
  CHECK(contains(message, "label 3 in row 0"));
  CHECK(contains(message, "num_classes = 3"));
  message = error_message([&] { one_hot(xt::xarray<std::uint8_t>::from_shape({2, 2})); });
  CHECK(contains(message, "shape [2, 2]"));
  message = error_message([&] { one_hot(labels, 0); });
  CHECK(contains(message, "num_classes is 0"));
}
