#pragma once
/// Fashion-MNIST as Debian's dataset-fashion-mnist ships it, and a train/validation/test
/// split of it made the way scikit-learn makes one. Images and labels stay uint8 here;
/// normalize_pixels, flatten_images and one_hot (nnkit/data/transforms.hpp) are applied by
/// the caller. Which sizes and seed a course uses is the course's business (its manifest).
#include <cstdint>
#include <filesystem>

#include <xtensor/xarray.hpp>

namespace nnkit::data {

/// The four files: train_images [60000, 28, 28], train_labels [60000],
/// test_images [10000, 28, 28], test_labels [10000], all uint8, labels in 0..9.
struct FashionMnist {
  xt::xarray<std::uint8_t> train_images;
  xt::xarray<std::uint8_t> train_labels;
  xt::xarray<std::uint8_t> test_images;
  xt::xarray<std::uint8_t> test_labels;
};

/// How many images each side of a split takes, and the seed of scikit-learn's shuffle.
struct SplitSizes {
  std::size_t train_size = 0;
  std::size_t validation_size = 0;
  std::size_t test_size = 0;
  std::uint32_t random_state = 0;
};

/// A split: X_* are uint8 images [N, 28, 28], y_* uint8 labels [N], with N the sizes of
/// the SplitSizes it was made with.
struct TrainValTestSplit {
  xt::xarray<std::uint8_t> X_train;
  xt::xarray<std::uint8_t> y_train;
  xt::xarray<std::uint8_t> X_val;
  xt::xarray<std::uint8_t> y_val;
  xt::xarray<std::uint8_t> X_test;
  xt::xarray<std::uint8_t> y_test;
};

/// The folder holding the four .gz files: $FMNIST_DIR if set and not empty, else
/// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
std::filesystem::path default_data_dir();

/// Reads train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz
/// and t10k-labels-idx1-ubyte.gz from `dir`. Checks that images are [N, 28, 28], labels
/// [N] with the same N, and every label < 10; throws nnkit::Error naming the file otherwise.
/// (The counts 60000/10000 are not enforced here: `make data` pins the files by SHA-256.)
FashionMnist load_fashion_mnist(const std::filesystem::path& dir = default_data_dir());

/// Mirrors, on the training and test sets respectively (s = sizes):
///   X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=s.train_size,
///       test_size=s.validation_size, random_state=s.random_state)
///   X_test, _, y_test, _ = train_test_split(X_test, y_test, train_size=s.test_size,
///       test_size=1, random_state=s.random_state)
/// Rows keep scikit-learn's order. Throws nnkit::Error when a side asks for more images
/// than the set holds.
TrainValTestSplit make_train_val_test_split(const FashionMnist& data, const SplitSizes& sizes);

}  // namespace nnkit::data
