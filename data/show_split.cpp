// nnkit-show-split: loads Fashion-MNIST, makes the assignment's split and prints what it
// holds, so an instructor can see the data is there and the split is scikit-learn's.
#include <array>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/error.hpp>

#include "assignment_split.hpp"

namespace {

void describe(const char* name, const xt::xarray<std::uint8_t>& images,
              const xt::xarray<std::uint8_t>& labels) {
  std::array<int, 10> per_class{};
  for (auto label : labels) ++per_class[label];
  fmt::print("  {:<8} {:>5} images  per class:", name, images.shape()[0]);
  for (int count : per_class) fmt::print(" {:>4}", count);
  fmt::print("  first labels:");
  for (std::size_t i = 0; i < 8 && i < labels.size(); ++i) fmt::print(" {}", labels(i));
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load Fashion-MNIST and print the assignment's train/validation/test split"};
  std::string data_dir = nnkit::data::default_data_dir().string();
  app.add_option("--data", data_dir, "folder with the four Fashion-MNIST .gz files ($FMNIST_DIR)");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto dataset = nnkit::data::load_fashion_mnist(data_dir);
    fmt::print("Fashion-MNIST from {}: {} training and {} test images\n", data_dir,
               dataset.train_images.shape()[0], dataset.test_images.shape()[0]);
    const auto split = scaffold::make_assignment_split(dataset);
    fmt::print("The assignment's split (scikit-learn train_test_split, random_state={}):\n",
               scaffold::assignment_split_sizes.random_state);
    describe("train", split.X_train, split.y_train);
    describe("val", split.X_val, split.y_val);
    describe("test", split.X_test, split.y_test);
  } catch (const nnkit::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
