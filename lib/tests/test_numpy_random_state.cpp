// nnkit::numpy::RandomState against NumPy 1.24's legacy RandomState, bit for bit.
// Golden data: golden/numpy_sklearn.json, made by golden/make_numpy_sklearn_golden.py.
// Each golden sequence is a list of calls on one RandomState; we replay them in order on
// one nnkit RandomState, so state carried between calls (the cached Gaussian, the MT
// block position, re-seeding) is checked along with every value.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <nnkit/error.hpp>
#include <nnkit/random/numpy_random_state.hpp>

#include "testing.hpp"

using nlohmann::json;
using nnkit::numpy::RandomState;
using nnkit::testing::error_message;
using nnkit::testing::numpy_sklearn_golden;

namespace {

struct Tally {
  std::size_t randn = 0;
  std::size_t rand = 0;
  std::size_t integers = 0;
  std::size_t mismatches = 0;
};

// Exact comparison; the first mismatches are reported with index, expected and got.
void compare_doubles(const std::string& what, const json& expected, const double* got,
                     std::size_t got_count, std::size_t& counter, Tally& tally) {
  REQUIRE_MESSAGE(expected.size() == got_count,
                  what << ": expected " << expected.size() << " values, got " << got_count);
  std::size_t reported = 0;
  for (std::size_t i = 0; i < got_count; ++i) {
    const double want = expected[i].get<double>();
    if (!(got[i] == want)) {
      ++tally.mismatches;
      if (reported++ < 5) {
        FAIL_CHECK(fmt::format("{}: index {}: expected {:.17g}, got {:.17g}", what, i, want,
                               got[i]));
      }
    }
  }
  counter += got_count;
}

template <class Int>
void compare_ints(const std::string& what, const json& expected, const std::vector<Int>& got,
                  Tally& tally) {
  REQUIRE_MESSAGE(expected.size() == got.size(),
                  what << ": expected " << expected.size() << " values, got " << got.size());
  std::size_t reported = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto want = expected[i].get<Int>();
    if (got[i] != want) {
      ++tally.mismatches;
      if (reported++ < 5) {
        FAIL_CHECK(fmt::format("{}: index {}: expected {}, got {}", what, i, want, got[i]));
      }
    }
  }
  tally.integers += got.size();
}

// The script's checksum: sum((i + 1) * bits(x[i])) mod 2**64.
std::uint64_t bits_checksum(const double* x, std::size_t n) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t bits = 0;
    static_assert(sizeof(bits) == sizeof(double));
    std::memcpy(&bits, &x[i], sizeof(bits));
    total += static_cast<std::uint64_t>(i + 1) * bits;
  }
  return total;
}

std::uint64_t int_checksum(const std::vector<std::size_t>& x) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    total += static_cast<std::uint64_t>(i + 1) * static_cast<std::uint64_t>(x[i]);
  }
  return total;
}

void check_shape(const std::string& what, const xt::xarray<double>& got,
                 const std::vector<std::size_t>& shape) {
  const std::vector<std::size_t> got_shape(got.shape().begin(), got.shape().end());
  CHECK_MESSAGE(got_shape == shape, what << ": wrong shape");
}

// Draws a double array for `op` ("randn"/"rand") through the public numpy-style calls.
xt::xarray<double> draw(RandomState& rs, const std::string& op,
                        const std::vector<std::size_t>& shape) {
  const bool normal = op == "randn";
  if (shape.size() == 1) {
    return normal ? rs.randn(shape[0]) : rs.rand(shape[0]);
  }
  if (shape.size() == 2) {
    return normal ? rs.randn(shape[0], shape[1]) : rs.rand(shape[0], shape[1]);
  }
  return normal ? rs.standard_normal(shape) : rs.random_sample(shape);
}

void replay(const json& sequence, Tally& tally) {
  const std::string name = sequence.at("name").get<std::string>();
  RandomState rs(sequence.at("seed").get<std::uint32_t>());
  std::size_t step = 0;
  for (const json& op : sequence.at("ops")) {
    const std::string kind = op.at("op").get<std::string>();
    const std::string what = fmt::format("{} op #{} ({})", name, step++, kind);
    INFO(what);
    if (kind == "randn" || kind == "rand") {
      auto shape = op.at("shape").get<std::vector<std::size_t>>();
      std::size_t& counter = kind == "randn" ? tally.randn : tally.rand;
      if (shape.empty()) {  // the scalar call randn() / rand()
        const double value = kind == "randn" ? rs.standard_normal() : rs.random_sample();
        compare_doubles(what, op.at("values"), &value, 1, counter, tally);
      } else {
        const xt::xarray<double> values = draw(rs, kind, shape);
        check_shape(what, values, shape);
        compare_doubles(what, op.at("values"), values.data(), values.size(), counter, tally);
      }
    } else if (kind == "randn_sampled") {
      const auto shape = op.at("shape").get<std::vector<std::size_t>>();
      REQUIRE(shape.size() == 2);
      const xt::xarray<double> values = rs.randn(shape[0], shape[1]);
      check_shape(what, values, shape);
      const auto positions = op.at("positions").get<std::vector<std::size_t>>();
      std::vector<double> picked;
      for (const std::size_t p : positions) {
        REQUIRE(p < values.size());
        picked.push_back(values.data()[p]);
      }
      compare_doubles(what + " sampled positions", op.at("values"), picked.data(),
                      picked.size(), tally.randn, tally);
      CHECK_MESSAGE(bits_checksum(values.data(), values.size()) ==
                        op.at("checksum").get<std::uint64_t>(),
                    what << ": bit checksum over all " << values.size() << " values differs");
    } else if (kind == "randint") {
      const auto low = op.at("low").get<std::int64_t>();
      const auto high = op.at("high").get<std::int64_t>();
      std::vector<std::int64_t> got;
      if (op.at("size").is_null()) {
        got.push_back(rs.randint(low, high));
      } else {
        got = rs.randint(low, high, op.at("size").get<std::size_t>());
      }
      compare_ints(fmt::format("{} randint({}, {})", what, low, high), op.at("values"), got,
                   tally);
    } else if (kind == "randint_high") {
      const std::vector<std::int64_t> got{rs.randint(op.at("high").get<std::int64_t>())};
      compare_ints(what, op.at("values"), got, tally);
    } else if (kind == "permutation") {
      compare_ints(what, op.at("values"), rs.permutation(op.at("n").get<std::size_t>()),
                   tally);
    } else if (kind == "permutation_sampled") {
      const auto perm = rs.permutation(op.at("n").get<std::size_t>());
      std::vector<std::size_t> picked;
      for (const auto p : op.at("positions").get<std::vector<std::size_t>>()) {
        REQUIRE(p < perm.size());
        picked.push_back(perm[p]);
      }
      compare_ints(what + " sampled positions", op.at("values"), picked, tally);
      CHECK_MESSAGE(int_checksum(perm) == op.at("checksum").get<std::uint64_t>(),
                    what << ": checksum over all " << perm.size() << " positions differs");
    } else if (kind == "shuffle") {
      auto values = op.at("input").get<std::vector<double>>();
      rs.shuffle(values);
      std::size_t shuffled = 0;
      compare_doubles(what, op.at("values"), values.data(), values.size(), shuffled, tally);
      tally.integers += shuffled;
    } else if (kind == "seed") {
      rs.seed(op.at("seed").get<std::uint32_t>());
    } else {
      FAIL("unknown golden op '" << kind << "' in " << name);
    }
  }
}

}  // namespace

TEST_CASE("golden data was made by NumPy 1.24 and is complete") {
  const json& header = numpy_sklearn_golden().at("generated_by");
  CHECK(header.at("script").get<std::string>() ==
        "lib/tests/golden/make_numpy_sklearn_golden.py");
  CHECK(header.at("numpy").get<std::string>().rfind("1.24", 0) == 0);
  CHECK(numpy_sklearn_golden().at("random_state").at("sequences").size() >= 5);
}

TEST_CASE("RandomState replays NumPy's legacy RandomState bit for bit") {
  Tally tally;
  for (const json& sequence : numpy_sklearn_golden().at("random_state").at("sequences")) {
    replay(sequence, tally);
  }
  MESSAGE(fmt::format("compared {} randn, {} rand and {} integer/shuffle values exactly; "
                      "{} mismatches",
                      tally.randn, tally.rand, tally.integers, tally.mismatches));
  CHECK(tally.mismatches == 0);
  // Guards against a truncated golden file silently comparing little.
  CHECK(tally.randn >= 10000);
  CHECK(tally.rand >= 10000);
}

TEST_CASE("randint rejects the ranges NumPy rejects, naming the bad bounds") {
  for (const json& err : numpy_sklearn_golden().at("random_state").at("errors")) {
    RandomState rs(0);
    std::string message;
    if (err.contains("low")) {
      const auto low = err.at("low").get<std::int64_t>();
      const auto high = err.at("high").get<std::int64_t>();
      INFO("randint(" << low << ", " << high << "), NumPy: " << err.at("message"));
      CHECK_THROWS_AS(rs.randint(low, high), nnkit::Error);
      CHECK_THROWS_AS(rs.randint(low, high, 3), nnkit::Error);
      CHECK_THROWS_AS(rs.randint(low, high, 0), nnkit::Error);
      message = error_message([&] { rs.randint(low, high); });
    } else {
      const auto high = err.at("high").get<std::int64_t>();
      INFO("randint(" << high << "), NumPy: " << err.at("message"));
      CHECK_THROWS_AS(rs.randint(high), nnkit::Error);
      message = error_message([&] { rs.randint(high); });
    }
    for (const auto& token : err.at("must_mention")) {
      CHECK_MESSAGE(message.find(token.get<std::string>()) != std::string::npos,
                    "message '" << message << "' does not mention " << token);
    }
    // NumPy checks the bounds before drawing: a rejected call leaves the stream alone.
    RandomState fresh(0);
    CHECK(rs.random_sample() == fresh.random_sample());
  }
}

TEST_CASE("seed() resets the stream and drops the cached Gaussian") {
  // Compared with a fresh generator rather than typed numbers: seed(s) must be
  // indistinguishable from RandomState(s), whatever the old state held.
  RandomState used(7);
  (void)used.randn(3);  // odd count: a Gaussian is cached
  used.seed(42);
  RandomState fresh(42);
  for (int i = 0; i < 5; ++i) {
    const double got = used.standard_normal();
    const double want = fresh.standard_normal();
    CHECK_MESSAGE(got == want, fmt::format("draw {}: expected {:.17g}, got {:.17g}", i, want, got));
  }
}
