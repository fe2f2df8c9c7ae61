#pragma once
/// The assignment's split of Fashion-MNIST (given scaffold): train, validation and test
/// images cut with scikit-learn's train_test_split, with the sizes and seed the manifest's
/// data.split gives.
#include <nnkit/data/fashion_mnist.hpp>

#include "assignment_manifest.hpp"

namespace scaffold {

/// X_train [train_size, 28, 28], y_train, X_val, y_val, X_test, y_test (uint8).
using AssignmentSplit = nnkit::data::TrainValTestSplit;

inline constexpr nnkit::data::SplitSizes assignment_split_sizes{
    assignment::manifest::split::train_size, assignment::manifest::split::validation_size,
    assignment::manifest::split::test_size, assignment::manifest::split::random_state};

/// The assignment's split of `data` (as load_fashion_mnist returns it).
inline AssignmentSplit make_assignment_split(const nnkit::data::FashionMnist& data) {
  return nnkit::data::make_train_val_test_split(data, assignment_split_sizes);
}

}  // namespace scaffold
