// nnkit::Mt19937 against std::mt19937 — the C++ standard's definition of the same engine
// ([rand.predef]: the 10000th draw of a default-seeded mt19937 is 4123659995) — draw for
// draw, one at a time and in bulk runs that cross the 624-word regenerations.
#include <cstdint>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include <nnkit/random/generator.hpp>
#include <nnkit/random/mt19937.hpp>

TEST_CASE("Mt19937 gives the standard's 10000th draw for the default seed") {
  nnkit::Mt19937 engine;
  std::uint32_t draw = 0;
  for (int i = 0; i < 10000; ++i) draw = engine();
  CHECK(draw == 4123659995u);
}

TEST_CASE("Mt19937 matches std::mt19937 one draw at a time and in bulk runs") {
  for (std::uint32_t seed : {0u, 1u, 42u, 67280421u, 4294967295u}) {
    CAPTURE(seed);
    std::mt19937 reference(seed);
    nnkit::Mt19937 engine(seed);
    // Run lengths around the state size: inside one regeneration, across one, across many.
    const std::size_t runs[] = {1, 7, 623, 624, 625, 1, 1248, 3000, 5};
    std::size_t mismatches = 0;
    for (std::size_t run : runs) {
      std::vector<std::uint32_t> bulk(run);
      engine.generate(bulk.data(), run);
      for (std::uint32_t value : bulk) mismatches += value != reference();
      mismatches += engine() != reference();  // single draws in between
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("Generator::bernoulli draws what uniform_double() < p draws, in the same order") {
  nnkit::Generator bulk(1234), single(1234);
  const std::int64_t count = 5000;  // several of bernoulli's blocks and a ragged end
  std::vector<std::uint8_t> mask(count);
  bulk.bernoulli(mask.data(), count, 0.7);
  std::int64_t mismatches = 0, kept = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    const bool expected = single.uniform_double() < 0.7;
    mismatches += mask[i] != expected;
    kept += expected;
  }
  CHECK(mismatches == 0);
  CHECK(kept > 3300);  // about 0.7 of 5000: the comparison saw both outcomes
  CHECK(kept < 3700);
  CHECK(bulk.draws() == single.draws());
  CHECK(bulk.random() == single.random());  // the streams continue in step
}
