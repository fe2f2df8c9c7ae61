// nnkit::data::train_test_split against scikit-learn 1.2's train_test_split(np.arange(n)):
// identical train and test indices, in order, and a throw wherever sklearn raises.
// Golden data: golden/numpy_sklearn.json, made by golden/make_numpy_sklearn_golden.py.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <nnkit/data/train_test_split.hpp>
#include <nnkit/error.hpp>

#include "testing.hpp"

using nlohmann::json;
using nnkit::data::SplitSize;
using nnkit::data::train_test_split;
using nnkit::testing::numpy_sklearn_golden;

namespace {

// A size as the script wrote it: null (None), an integer (a count), a float (a
// fraction) or "nan".
std::optional<SplitSize> size_from(const json& j) {
  if (j.is_null()) {
    return std::nullopt;
  }
  if (j.is_number_integer()) {
    return SplitSize{j.get<std::size_t>()};
  }
  if (j.is_string() && j.get<std::string>() == "nan") {
    return SplitSize{std::numeric_limits<double>::quiet_NaN()};
  }
  REQUIRE_MESSAGE(j.is_number_float(), "unexpected size in golden data: " << j.dump());
  return SplitSize{j.get<double>()};
}

std::string describe(const json& c) {
  return fmt::format("train_test_split(n_samples={}, test_size={}, train_size={}, "
                     "random_state={}, shuffle={})",
                     c.at("n_samples").dump(), c.at("test_size").dump(),
                     c.at("train_size").dump(),
                     c.contains("random_state") ? c.at("random_state").dump() : "0",
                     c.at("shuffle").dump());
}

// Exact comparison of one side; reports the length and the first differing positions.
std::size_t compare_side(const std::string& what, const json& expected,
                         const std::vector<std::size_t>& got) {
  CHECK_MESSAGE(got.size() == expected.size(),
                what << ": expected " << expected.size() << " indices, got " << got.size());
  std::size_t mismatches = 0;
  const std::size_t n = std::min(got.size(), expected.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto want = expected[i].get<std::size_t>();
    if (got[i] != want && mismatches++ < 5) {
      FAIL_CHECK(fmt::format("{}: position {}: expected {}, got {}", what, i, want, got[i]));
    }
  }
  return n;
}

}  // namespace

TEST_CASE("golden data was made by scikit-learn 1.2") {
  const json& header = numpy_sklearn_golden().at("generated_by");
  CHECK(header.at("sklearn").get<std::string>().rfind("1.2", 0) == 0);
  CHECK(numpy_sklearn_golden().at("train_test_split").at("cases").size() >= 10);
  CHECK(numpy_sklearn_golden().at("train_test_split").at("errors").size() >= 10);
}

TEST_CASE("train_test_split picks exactly scikit-learn's rows") {
  std::size_t compared = 0;
  std::size_t cases = 0;
  for (const json& c : numpy_sklearn_golden().at("train_test_split").at("cases")) {
    const std::string what = describe(c);
    INFO(what);
    const auto split = train_test_split(
        c.at("n_samples").get<std::size_t>(), size_from(c.at("test_size")),
        size_from(c.at("train_size")), c.at("random_state").get<std::uint32_t>(),
        c.at("shuffle").get<bool>());
    compared += compare_side(what + " train", c.at("train"), split.train);
    compared += compare_side(what + " test", c.at("test"), split.test);
    ++cases;
  }
  MESSAGE(fmt::format("compared {} indices over {} splits", compared, cases));
}

TEST_CASE("the assignment's two splits are in the golden data") {
  // The split of docs/assignment.md: (60000, train 2000, test 200, seed 42) and
  // (10000, train 200, test 1, seed 42); both must be among the cases checked above.
  bool found_val = false;
  bool found_test = false;
  for (const json& c : numpy_sklearn_golden().at("train_test_split").at("cases")) {
    if (!c.at("shuffle").get<bool>() || c.at("random_state") != 42) {
      continue;
    }
    const auto n = c.at("n_samples");
    if (n == 60000 && c.at("train_size") == 2000 && c.at("test_size") == 200) {
      found_val = c.at("train").size() == 2000 && c.at("test").size() == 200;
    }
    if (n == 10000 && c.at("train_size") == 200 && c.at("test_size") == 1) {
      found_test = c.at("train").size() == 200 && c.at("test").size() == 1;
    }
  }
  CHECK(found_val);
  CHECK(found_test);
}

TEST_CASE("train_test_split throws where scikit-learn raises, naming the bad value") {
  for (const json& e : numpy_sklearn_golden().at("train_test_split").at("errors")) {
    const std::string what = describe(e);
    INFO(what << " -- scikit-learn: " << e.at("message").get<std::string>());
    const auto n = e.at("n_samples").get<std::size_t>();
    const auto test = size_from(e.at("test_size"));
    const auto train = size_from(e.at("train_size"));
    const bool shuffle = e.at("shuffle").get<bool>();
    CHECK_THROWS_AS(train_test_split(n, test, train, 0, shuffle), nnkit::Error);
    std::string message;
    try {
      (void)train_test_split(n, test, train, 0, shuffle);
    } catch (const nnkit::Error& err) {
      message = err.what();
    }
    for (const auto& token : e.at("must_mention")) {
      CHECK_MESSAGE(message.find(token.get<std::string>()) != std::string::npos,
                    "message '" << message << "' does not mention " << token);
    }
  }
}
