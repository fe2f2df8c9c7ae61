#include <nnkit/data/fashion_mnist.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nnkit/data/idx.hpp>
#include <nnkit/data/train_test_split.hpp>
#include <nnkit/error.hpp>

namespace nnkit::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDebianDir = "/usr/share/datasets/fashion-mnist";
constexpr std::size_t kSide = 28;
constexpr unsigned kNumClasses = 10;
constexpr const char* kFix =
    "run `make data` to verify the dataset (sizes and SHA-256), or point FMNIST_DIR at a "
    "folder holding the original four .gz files";

[[noreturn]] void fail(const std::string& problem) {
  throw Error(fmt::format("nnkit::data::load_fashion_mnist: {}; fix: {}", problem, kFix));
}

std::string shape_str(const xt::xarray<std::uint8_t>& a) {
  return fmt::format("[{}]", fmt::join(a.shape(), ", "));
}

/// Reads one images file and its labels file and checks that they belong together.
void load_pair(const fs::path& images_path, const fs::path& labels_path,
               xt::xarray<std::uint8_t>& images, xt::xarray<std::uint8_t>& labels) {
  images = read_idx(images_path);
  if (images.dimension() != 3 || images.shape()[1] != kSide || images.shape()[2] != kSide) {
    fail(fmt::format("{} holds an array of shape {}; expected images [N, 28, 28]",
                     images_path.string(), shape_str(images)));
  }
  labels = read_idx(labels_path);
  if (labels.dimension() != 1) {
    fail(fmt::format("{} holds an array of shape {}; expected labels [N]",
                     labels_path.string(), shape_str(labels)));
  }
  if (labels.shape()[0] != images.shape()[0]) {
    fail(fmt::format("{} holds {} labels but {} holds {} images; expected one label per image",
                     labels_path.string(), labels.shape()[0], images_path.string(),
                     images.shape()[0]));
  }
  const std::uint8_t* y = labels.data();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (y[i] >= kNumClasses) {
      fail(fmt::format("{} has label {} in row {}; expected a class in 0..{}",
                       labels_path.string(), static_cast<unsigned>(y[i]), i, kNumClasses - 1));
    }
  }
}

/// Rows `indices` of a row-major array [N, ...], in that order.
xt::xarray<std::uint8_t> take_rows(const xt::xarray<std::uint8_t>& a,
                                   const std::vector<std::size_t>& indices) {
  std::vector<std::size_t> shape(a.shape().begin(), a.shape().end());
  const std::size_t n = shape[0];
  const std::size_t row = n == 0 ? 0 : a.size() / n;
  shape[0] = indices.size();
  xt::xarray<std::uint8_t> out = xt::xarray<std::uint8_t>::from_shape(shape);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= n) {
      throw Error(fmt::format("make_train_val_test_split: train_test_split returned row {} for "
                              "an array of {} rows", indices[k], n));
    }
    std::copy_n(a.data() + indices[k] * row, row, out.data() + k * row);
  }
  return out;
}

void check_split_input(const xt::xarray<std::uint8_t>& images,
                       const xt::xarray<std::uint8_t>& labels, const char* which) {
  if (images.dimension() < 1 || labels.dimension() != 1 ||
      images.shape()[0] != labels.shape()[0]) {
    throw Error(fmt::format("make_train_val_test_split: {} images {} and labels {} do not match; "
                            "expected images [N, 28, 28] and labels [N], as load_fashion_mnist "
                            "returns them", which, shape_str(images), shape_str(labels)));
  }
}

}  // namespace

std::filesystem::path default_data_dir() {
  const char* env = std::getenv("FMNIST_DIR");
  if (env != nullptr && env[0] != '\0') return fs::path(env);
  return fs::path(kDebianDir);
}

FashionMnist load_fashion_mnist(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    const char* env = std::getenv("FMNIST_DIR");
    const bool from_env = env != nullptr && env[0] != '\0' && fs::path(env) == dir;
    fail(fmt::format("{}{} {}; expected a folder holding train-images-idx3-ubyte.gz, "
                     "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
                     "t10k-labels-idx1-ubyte.gz",
                     from_env ? "FMNIST_DIR=" : "", dir.string(),
                     fs::exists(dir, ec) ? "is not a folder" : "does not exist"));
  }
  FashionMnist data;
  load_pair(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz",
            data.train_images, data.train_labels);
  load_pair(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz",
            data.test_images, data.test_labels);
  return data;
}

TrainValTestSplit make_train_val_test_split(const FashionMnist& data, const SplitSizes& sizes) {
  check_split_input(data.train_images, data.train_labels, "training");
  check_split_input(data.test_images, data.test_labels, "test");
  const std::size_t n_train = data.train_labels.size(), n_test = data.test_labels.size();
  if (sizes.train_size + sizes.validation_size > n_train || sizes.test_size + 1 > n_test) {
    throw Error(fmt::format("make_train_val_test_split: train_size {} + validation_size {} of "
                            "{} training images, test_size {} (+1 dropped) of {} test images; "
                            "expected sizes that fit the data set",
                            sizes.train_size, sizes.validation_size, n_train, sizes.test_size,
                            n_test));
  }
  TrainValTestSplit split;

  // train_test_split(X, y, train_size, test_size=validation_size, random_state):
  // the train side is X_train, the test side the validation set.
  const SplitIndices train_val =
      train_test_split(n_train, SplitSize{sizes.validation_size}, SplitSize{sizes.train_size},
                       sizes.random_state);
  split.X_train = take_rows(data.train_images, train_val.train);
  split.y_train = take_rows(data.train_labels, train_val.train);
  split.X_val = take_rows(data.train_images, train_val.test);
  split.y_val = take_rows(data.train_labels, train_val.test);

  // train_test_split(X_test, y_test, train_size=test_size, test_size=1, random_state):
  // the train side is the test set; the one test-side image is dropped.
  const SplitIndices test = train_test_split(n_test, SplitSize{std::size_t{1}},
                                             SplitSize{sizes.test_size}, sizes.random_state);
  split.X_test = take_rows(data.test_images, test.train);
  split.y_test = take_rows(data.test_labels, test.train);
  return split;
}

}  // namespace nnkit::data
