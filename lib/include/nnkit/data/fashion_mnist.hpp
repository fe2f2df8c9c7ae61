#pragma once
/// Fashion-MNIST as Debian's dataset-fashion-mnist ships it, and the assignment's split
/// (ASSIGNMENT.md, "Data"). Images and labels stay uint8 here; normalize_pixels,
/// flatten_images and one_hot (nnkit/data/transforms.hpp) are applied by the caller.
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

/// The assignment's split: X_* are uint8 images [N, 28, 28], y_* uint8 labels [N];
/// N = 2000 (train), 200 (validation), 200 (test).
struct AssignmentSplit {
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

/// Mirrors the original homework:
///   X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=2000,
///                                                     test_size=200, random_state=42)
///   X_test, _, y_test, _ = train_test_split(X_test, y_test, train_size=200,
///                                           test_size=1, random_state=42)
/// on the training and test sets respectively; rows keep scikit-learn's order.
AssignmentSplit make_assignment_split(const FashionMnist& data);

}  // namespace nnkit::data
