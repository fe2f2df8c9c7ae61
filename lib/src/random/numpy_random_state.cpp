// NumPy's legacy RandomState: MT19937 (numpy/random/src/mt19937), legacy_gauss
// (legacy-distributions.c) and the masked bounded-integer / interval draws
// (distributions.c). Each function keeps NumPy's order of draws, which is the contract.
#include <nnkit/random/numpy_random_state.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit::numpy {

namespace {

constexpr std::size_t mt_n = 624;
constexpr std::size_t mt_m = 397;
constexpr std::uint32_t matrix_a = 0x9908b0dfU;
constexpr std::uint32_t upper_mask = 0x80000000U;
constexpr std::uint32_t lower_mask = 0x7fffffffU;

// Smallest all-ones mask covering max, as NumPy's gen_mask / random_interval.
std::uint64_t covering_mask(std::uint64_t max) {
  std::uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  return mask;
}

std::uint32_t temper(std::uint32_t y) {
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

std::size_t element_count(const std::vector<std::size_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

// The polar step of legacy_gauss once both uniforms are known. NumPy is compiled
// without FMA contraction (baseline x86-64); a fused x1*x1 + x2*x2 would round once
// instead of twice and change r2 in its last bit, so contraction is switched off here
// even when nnkit is built with -march=native.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
double polar_r2(double x1, double x2) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  return x1 * x1 + x2 * x2;
}

// NumPy validates the bounds before any draw, so a rejected call leaves the stream alone.
void check_randint_bounds(std::int64_t low, std::int64_t high) {
  if (high <= low) {
    throw Error(fmt::format(
        "RandomState.randint(low={}, high={}): expected low < high, since the draw is from "
        "the half-open range [low, high) (NumPy raises '{}'); pass a high of at least {}",
        low, high, low == 0 ? "high <= 0" : "low >= high",
        low == std::numeric_limits<std::int64_t>::max()
            ? std::string("low + 1 (not representable in int64: lower low)")
            : std::to_string(low + 1)));
  }
}

}  // namespace

RandomState::RandomState(std::uint32_t seed) { this->seed(seed); }

void RandomState::seed(std::uint32_t seed) {
  // mt19937_seed, i.e. the reference init_genrand; NumPy's `_legacy_seeding` takes this
  // path for every integer seed in [0, 2**32 - 1], and RandomState.seed resets the gauss cache.
  std::uint32_t s = seed;
  for (std::size_t pos = 0; pos < state_len_; ++pos) {
    key_[pos] = s;
    s = 1812433253U * (s ^ (s >> 30)) + static_cast<std::uint32_t>(pos) + 1U;
  }
  pos_ = state_len_;
  has_gauss_ = false;
  gauss_ = 0.0;
}

void RandomState::regenerate_() {
  std::size_t i = 0;
  for (; i < mt_n - mt_m; ++i) {
    const std::uint32_t y = (key_[i] & upper_mask) | (key_[i + 1] & lower_mask);
    key_[i] = key_[i + mt_m] ^ (y >> 1) ^ (static_cast<std::uint32_t>(-(y & 1U)) & matrix_a);
  }
  for (; i < mt_n - 1; ++i) {
    const std::uint32_t y = (key_[i] & upper_mask) | (key_[i + 1] & lower_mask);
    key_[i] = key_[i + mt_m - mt_n] ^ (y >> 1) ^ (static_cast<std::uint32_t>(-(y & 1U)) & matrix_a);
  }
  const std::uint32_t y = (key_[mt_n - 1] & upper_mask) | (key_[0] & lower_mask);
  key_[mt_n - 1] = key_[mt_m - 1] ^ (y >> 1) ^ (static_cast<std::uint32_t>(-(y & 1U)) & matrix_a);
  pos_ = 0;
}

std::uint32_t RandomState::next_uint32() {
  if (pos_ == state_len_) {
    regenerate_();
  }
  return temper(key_[pos_++]);
}

std::uint64_t RandomState::next_uint64() {
  // mt19937_next64 evaluates `next << 32 | next` left to right: the first draw is the high word.
  const std::uint64_t high = next_uint32();
  const std::uint64_t low = next_uint32();
  return (high << 32) | low;
}

double RandomState::next_double() {
  const auto a = static_cast<std::int32_t>(next_uint32() >> 5);
  const auto b = static_cast<std::int32_t>(next_uint32() >> 6);
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

std::uint64_t RandomState::random_interval(std::uint64_t max) {
  if (max == 0) {
    return 0;
  }
  const std::uint64_t mask = covering_mask(max);
  std::uint64_t value = 0;
  if (max <= 0xffffffffULL) {
    while ((value = (next_uint32() & mask)) > max) {
    }
  } else {
    while ((value = (next_uint64() & mask)) > max) {
    }
  }
  return value;
}

double RandomState::random_sample() { return next_double(); }

xt::xarray<double> RandomState::random_sample(const std::vector<std::size_t>& shape) {
  xt::xarray<double> out = xt::xarray<double>::from_shape(shape);  // C order, as NumPy fills
  double* data = out.data();
  const std::size_t count = element_count(shape);
  for (std::size_t i = 0; i < count; ++i) {
    data[i] = next_double();
  }
  return out;
}

xt::xarray<double> RandomState::rand(std::size_t n) { return random_sample({n}); }

xt::xarray<double> RandomState::rand(std::size_t rows, std::size_t cols) {
  return random_sample({rows, cols});
}

double RandomState::standard_normal() {
  // legacy_gauss: each accepted polar pair yields two normals; the one built from x1 is
  // cached and returned by the next call (rand() in between does not touch the cache).
  if (has_gauss_) {
    const double cached = gauss_;
    has_gauss_ = false;
    gauss_ = 0.0;
    return cached;
  }
  double x1 = 0.0;
  double x2 = 0.0;
  double r2 = 0.0;
  do {
    x1 = 2.0 * next_double() - 1.0;
    x2 = 2.0 * next_double() - 1.0;
    r2 = polar_r2(x1, x2);
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss_ = f * x1;
  has_gauss_ = true;
  return f * x2;
}

xt::xarray<double> RandomState::standard_normal(const std::vector<std::size_t>& shape) {
  xt::xarray<double> out = xt::xarray<double>::from_shape(shape);  // C order, as NumPy fills
  double* data = out.data();
  const std::size_t count = element_count(shape);
  for (std::size_t i = 0; i < count; ++i) {
    data[i] = standard_normal();
  }
  return out;
}

xt::xarray<double> RandomState::randn(std::size_t n) { return standard_normal({n}); }

xt::xarray<double> RandomState::randn(std::size_t rows, std::size_t cols) {
  return standard_normal({rows, cols});
}

std::int64_t RandomState::randint(std::int64_t low, std::int64_t high) {
  check_randint_bounds(low, high);
  // NumPy subtracts 1 to work on the closed range [low, high - 1]; rng = high - 1 - low
  // is computed modulo 2**64 exactly like its uint64_t cast.
  const std::uint64_t rng =
      static_cast<std::uint64_t>(high) - 1U - static_cast<std::uint64_t>(low);
  const auto off = static_cast<std::uint64_t>(low);
  std::uint64_t value = 0;
  if (rng == 0) {
    value = 0;  // a single possible value: NumPy consumes no draw
  } else if (rng <= 0xffffffffULL) {
    if (rng == 0xffffffffULL) {
      value = next_uint32();
    } else {
      // buffered_bounded_masked_uint32: the buffer is unused for 32-bit output.
      const auto mask = static_cast<std::uint32_t>(covering_mask(rng));
      std::uint32_t draw = 0;
      while ((draw = (next_uint32() & mask)) > rng) {
      }
      value = draw;
    }
  } else if (rng == 0xffffffffffffffffULL) {
    value = next_uint64();
  } else {
    const std::uint64_t mask = covering_mask(rng);
    while ((value = (next_uint64() & mask)) > rng) {
    }
  }
  return static_cast<std::int64_t>(off + value);
}

std::vector<std::int64_t> RandomState::randint(std::int64_t low, std::int64_t high,
                                               std::size_t size) {
  check_randint_bounds(low, high);  // even for size 0, as NumPy
  std::vector<std::int64_t> out(size);
  for (auto& v : out) {
    v = randint(low, high);
  }
  return out;
}

std::int64_t RandomState::randint(std::int64_t high) {
  if (high <= 0) {
    throw Error(fmt::format(
        "RandomState.randint(high={}): with one argument the draw is from [0, high), so "
        "high must be positive (NumPy raises 'high <= 0'); pass high >= 1 or use "
        "randint(low, high)",
        high));
  }
  return randint(0, high);
}

std::vector<std::size_t> RandomState::permutation(std::size_t n) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  shuffle(out);
  return out;
}

}  // namespace nnkit::numpy
