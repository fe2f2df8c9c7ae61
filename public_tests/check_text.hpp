// How a public test words a failed comparison of arrays, the same way in every part: the
// check's name, the first element that differs (as an index into the shape), what the
// student's code gave, what was expected and where that expected value comes from (NumPy's
// or torch's recorded run, or a reference computed in the test), and the tolerance.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace public_tests {

/// "[5, 3]" for any container of sizes.
template <typename Shape>
std::string shape_text(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

/// The multi-index "[2, 1]" of the element at `flat` in a row-major array of `shape`.
template <typename Shape>
std::string index_text(const Shape& shape, std::size_t flat) {
  std::vector<std::size_t> index(shape.size(), 0);
  for (std::size_t d = shape.size(); d-- > 0;) {
    const auto size = static_cast<std::size_t>(shape[d]);
    if (size == 0) break;
    index[d] = flat % size;
    flat /= size;
  }
  return shape.size() == 0 ? "[]" : shape_text(index);
}

/// "W1: shape [3, 5], expected [5, 3] (NumPy, golden/numpy_ann.json)".
template <typename Got, typename Expected>
std::string shape_mismatch_text(const std::string& what, const Got& got, const Expected& expected,
                                const std::string& reference) {
  return fmt::format("{}: shape {}, expected {} ({})", what, shape_text(got),
                     shape_text(expected), reference);
}

/// A value mismatch: `differing` elements are out of tolerance, the first at `flat`.
///   W1: element [2, 1] of [5, 3] differs (1 of 15 elements)
///     got      0.012345
///     expected 0.012399  (NumPy, golden/numpy_ann.json)
///     relative error 4.4e-03, allowed 1e-12
template <typename Shape>
std::string value_mismatch_text(const std::string& what, const Shape& shape, std::size_t flat,
                                std::size_t differing, std::size_t count, const std::string& got,
                                const std::string& expected, const std::string& reference,
                                const std::string& tolerance) {
  return fmt::format(
      "{}: element {} of {} differs ({} of {} element{})\n  got      {}\n  expected {}  ({})\n  {}",
      what, index_text(shape, flat), shape_text(shape), differing, count, count == 1 ? "" : "s",
      got, expected, reference, tolerance);
}

}  // namespace public_tests
