// scikit-learn 1.2's train_test_split for index ranges: `_validate_shuffle_split` for the
// sizes (same checks, same order, same rounding), then ShuffleSplit's single
// `RandomState(random_state).permutation(n)`, test side first.
#include <nnkit/data/train_test_split.hpp>

#include <cmath>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/random/numpy_random_state.hpp>

namespace nnkit::data {

namespace {

// A size after scikit-learn's `np.asarray(size).dtype.kind`: None, 'i' or 'f'.
struct Size {
  enum class Kind { none, count, fraction };
  Kind kind = Kind::none;
  std::size_t count = 0;
  double fraction = 0.0;
};

Size classify(const std::optional<SplitSize>& size) {
  Size out;
  if (!size) {
    return out;
  }
  if (const auto* count = std::get_if<std::size_t>(&*size)) {
    out.kind = Size::Kind::count;
    out.count = *count;
  } else {
    out.kind = Size::Kind::fraction;
    out.fraction = std::get<double>(*size);
  }
  return out;
}

// Python's repr of a float (shortest round trip, "1.0" rather than "1"), so messages
// show the value the way a scikit-learn user typed and would see it.
std::string python_float(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) {  // 'n': nan, inf
    text += ".0";
  }
  return text;
}

std::string describe(const Size& size) {
  switch (size.kind) {
    case Size::Kind::none:
      return "None";
    case Size::Kind::count:
      return std::to_string(size.count);
    case Size::Kind::fraction:
      return python_float(size.fraction);
  }
  return "None";
}

// The advice part of a range error: which counts would have worked for this n_samples.
std::string size_advice(const char* name, std::size_t n_samples) {
  if (n_samples < 2) {
    return fmt::format("with n_samples={} no split is possible, since each side needs at "
                       "least one sample; use more samples",
                       n_samples);
  }
  return fmt::format("pass {} as a count in [1, {}] or as a fraction strictly between 0 and 1 "
                     "(e.g. 0.25)",
                     name, n_samples - 1);
}

void check_range(const char* name, const Size& size, std::size_t n_samples) {
  // scikit-learn: an int must lie in (0, n_samples), a float in (0, 1). A NaN passes its
  // comparisons and then fails in math.ceil/floor with another ValueError; it is rejected
  // here with the range message.
  const bool bad_count =
      size.kind == Size::Kind::count && (size.count >= n_samples || size.count == 0);
  const bool bad_fraction = size.kind == Size::Kind::fraction &&
                            (!(size.fraction > 0.0) || size.fraction >= 1.0);
  if (bad_count || bad_fraction) {
    throw Error(fmt::format(
        "train_test_split: {}={} should be either positive and smaller than the number of "
        "samples {} or a float in the (0, 1) range; {}",
        name, describe(size), n_samples, size_advice(name, n_samples)));
  }
}

struct Counts {
  std::size_t n_train = 0;
  std::size_t n_test = 0;
};

// Mirrors sklearn.model_selection._split._validate_shuffle_split (scikit-learn 1.2).
Counts validate_shuffle_split(std::size_t n_samples, Size test, Size train,
                              double default_test_size) {
  if (test.kind == Size::Kind::none && train.kind == Size::Kind::none) {
    test.kind = Size::Kind::fraction;
    test.fraction = default_test_size;
  }
  check_range("test_size", test, n_samples);
  check_range("train_size", train, n_samples);

  if (test.kind == Size::Kind::fraction && train.kind == Size::Kind::fraction &&
      train.fraction + test.fraction > 1.0) {
    throw Error(fmt::format(
        "train_test_split: the sum of test_size and train_size = {}, should be in the (0, 1) "
        "range (test_size={}, train_size={}); reduce test_size and/or train_size",
        python_float(train.fraction + test.fraction), describe(test), describe(train)));
  }

  const auto n = static_cast<double>(n_samples);
  std::size_t n_test = 0;
  std::size_t n_train = 0;
  // Fractions round the test side up and the train side down, as scikit-learn does.
  if (test.kind == Size::Kind::fraction) {
    n_test = static_cast<std::size_t>(std::ceil(test.fraction * n));
  } else if (test.kind == Size::Kind::count) {
    n_test = test.count;
  }
  if (train.kind == Size::Kind::fraction) {
    n_train = static_cast<std::size_t>(std::floor(train.fraction * n));
  } else if (train.kind == Size::Kind::count) {
    n_train = train.count;
  }
  // Both are <= n_samples here (a count < n_samples, ceil/floor of f * n with f < 1).
  if (train.kind == Size::Kind::none) {
    n_train = n_samples - n_test;
  } else if (test.kind == Size::Kind::none) {
    n_test = n_samples - n_train;
  }

  if (n_train + n_test > n_samples) {
    throw Error(fmt::format(
        "train_test_split: the sum of train_size and test_size = {} (train {} + test {}), "
        "should be smaller than the number of samples {}; reduce test_size and/or "
        "train_size",
        n_train + n_test, n_train, n_test, n_samples));
  }
  if (n_train == 0) {
    throw Error(fmt::format(
        "train_test_split: with n_samples={}, test_size={} and train_size={}, the resulting "
        "train set will be empty; adjust any of the aforementioned parameters (e.g. a smaller "
        "test_size or more samples)",
        n_samples, describe(test), describe(train)));
  }
  return {n_train, n_test};
}

}  // namespace

SplitIndices train_test_split(std::size_t n_samples,
                              std::optional<SplitSize> test_size,
                              std::optional<SplitSize> train_size,
                              std::uint32_t random_state,
                              bool shuffle) {
  const Counts counts =
      validate_shuffle_split(n_samples, classify(test_size), classify(train_size), 0.25);
  SplitIndices out;
  if (!shuffle) {
    // scikit-learn: train = arange(n_train), test = arange(n_train, n_train + n_test).
    out.train.resize(counts.n_train);
    std::iota(out.train.begin(), out.train.end(), std::size_t{0});
    out.test.resize(counts.n_test);
    std::iota(out.test.begin(), out.test.end(), counts.n_train);
    return out;
  }

  // ShuffleSplit(test_size=n_test, train_size=n_train) validates the integer sizes again
  // (never failing once the first pass succeeded) and draws one permutation.
  Size test_count{Size::Kind::count, counts.n_test, 0.0};
  Size train_count{Size::Kind::count, counts.n_train, 0.0};
  const Counts again = validate_shuffle_split(n_samples, test_count, train_count, 0.1);

  numpy::RandomState rng(random_state);
  const std::vector<std::size_t> permutation = rng.permutation(n_samples);
  const auto test_end = permutation.begin() + static_cast<std::ptrdiff_t>(again.n_test);
  out.test.assign(permutation.begin(), test_end);
  out.train.assign(test_end, test_end + static_cast<std::ptrdiff_t>(again.n_train));
  return out;
}

}  // namespace nnkit::data
