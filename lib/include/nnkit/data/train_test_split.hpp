#pragma once
/// scikit-learn's `train_test_split`, reproduced row for row (scikit-learn 1.2).
///
/// scikit-learn draws the split as `RandomState(random_state).permutation(n)`: the first
/// n_test indices are the test side, the next n_train the train side. Sizes follow
/// `_validate_shuffle_split`: an integer is a count, a float in (0, 1) a fraction
/// (test: ceil(f * n), train: floor(f * n)); an unset side is the complement of the
/// other; both unset means test_size = 0.25.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace nnkit::data {

/// A split size as scikit-learn takes it: a count (`200`) or a fraction (`0.25`).
using SplitSize = std::variant<std::size_t, double>;

/// Row indices of each side, in scikit-learn's order.
struct SplitIndices {
  std::vector<std::size_t> train;
  std::vector<std::size_t> test;
};

/// Mirrors `sklearn.model_selection.train_test_split(range(n_samples), test_size=...,
/// train_size=..., random_state=..., shuffle=...)`. Throws nnkit::Error with
/// scikit-learn's conditions (a size out of range, train + test > n_samples, an empty side).
SplitIndices train_test_split(std::size_t n_samples,
                              std::optional<SplitSize> test_size,
                              std::optional<SplitSize> train_size,
                              std::uint32_t random_state,
                              bool shuffle = true);

}  // namespace nnkit::data
