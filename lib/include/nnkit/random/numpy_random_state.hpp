#pragma once
/// NumPy's legacy `numpy.random.RandomState` (NumPy 1.24), reproduced bit for bit.
///
/// The stream is MT19937 seeded by `init_genrand`; doubles, Gaussians, bounded integers
/// and shuffles consume it exactly as NumPy's C code does (`mt19937.h`,
/// `legacy-distributions.c`, `distributions.c`), so `RandomState(42).randn(784, 64)`
/// here holds the same float64 values as `np.random.RandomState(42).randn(784, 64)`.
/// nnkit's own tests pin every draw against the values NumPy and scikit-learn print.
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <xtensor/xarray.hpp>

namespace nnkit::numpy {

/// Mirrors `numpy.random.RandomState(seed)` for an integer seed: one MT19937 stream plus
/// the legacy Gaussian cache. Not thread-safe (NumPy guards the same state with a lock).
class RandomState {
public:
  /// Mirrors `RandomState(seed)`: MT19937 `init_genrand(seed)`, empty Gaussian cache.
  explicit RandomState(std::uint32_t seed);

  /// Mirrors `RandomState.seed(seed)`: re-seeds and drops a cached Gaussian.
  void seed(std::uint32_t seed);

  /// One tempered MT19937 output, as NumPy's `next_uint32` (`mt19937_next32`).
  std::uint32_t next_uint32();
  /// Two 32-bit outputs, the first as the high word, as NumPy's `mt19937_next64`.
  std::uint64_t next_uint64();
  /// A double in [0, 1) with 53 random bits from two 32-bit outputs, as
  /// `mt19937_next_double`: ((a >> 5) * 2^26 + (b >> 6)) / 2^53.
  double next_double();
  /// Mirrors `random_interval(max)`: a value in [0, max] by masked rejection
  /// (32-bit draws while max fits in 32 bits, 64-bit draws otherwise); 0 draws if max = 0.
  std::uint64_t random_interval(std::uint64_t max);

  /// Mirrors `RandomState.random_sample()` / `rand()`: one double in [0, 1).
  double random_sample();
  /// Mirrors `RandomState.random_sample(size=shape)`: C-order fill of `shape`.
  xt::xarray<double> random_sample(const std::vector<std::size_t>& shape);
  /// Mirrors `RandomState.rand(n)`: shape [n].
  xt::xarray<double> rand(std::size_t n);
  /// Mirrors `RandomState.rand(rows, cols)`: shape [rows, cols], filled in C order.
  xt::xarray<double> rand(std::size_t rows, std::size_t cols);

  /// Mirrors `RandomState.standard_normal()` / `randn()`: NumPy's `legacy_gauss`
  /// (Marsaglia polar method; every second value comes from the cache).
  double standard_normal();
  /// Mirrors `RandomState.standard_normal(size=shape)`: C-order fill of `shape`.
  xt::xarray<double> standard_normal(const std::vector<std::size_t>& shape);
  /// Mirrors `RandomState.randn(n)`: shape [n].
  xt::xarray<double> randn(std::size_t n);
  /// Mirrors `RandomState.randn(rows, cols)`: shape [rows, cols], filled in C order
  /// (`W1 = randn(784, 64) * 0.01` in the assignment).
  xt::xarray<double> randn(std::size_t rows, std::size_t cols);

  /// Mirrors `RandomState.randint(low, high)` with the default dtype int64: uniform on
  /// [low, high) by NumPy's masked rejection (`random_bounded_uint64_fill`, masked);
  /// a range that fits in 32 bits uses 32-bit draws. Throws nnkit::Error if high <= low.
  std::int64_t randint(std::int64_t low, std::int64_t high);
  /// Mirrors `RandomState.randint(low, high, size=n)`: n draws, identical to n scalar calls.
  std::vector<std::int64_t> randint(std::int64_t low, std::int64_t high, std::size_t size);
  /// Mirrors `RandomState.randint(high)`: uniform on [0, high). Throws if high <= 0.
  std::int64_t randint(std::int64_t high);

  /// Mirrors `RandomState.permutation(n)`: `np.arange(n)` shuffled by `shuffle`.
  std::vector<std::size_t> permutation(std::size_t n);

  /// Mirrors `RandomState.shuffle(x)` for a 1-D array: for i = n-1 down to 1,
  /// swap x[i] with x[random_interval(i)].
  template <class T>
  void shuffle(std::vector<T>& x) {
    for (std::size_t i = x.size(); i > 1; --i) {
      const std::size_t last = i - 1;
      const auto j = static_cast<std::size_t>(random_interval(last));
      using std::swap;
      swap(x[last], x[j]);
    }
  }

private:
  static constexpr std::size_t state_len_ = 624;
  void regenerate_();

  std::array<std::uint32_t, state_len_> key_{};
  std::size_t pos_ = state_len_;
  bool has_gauss_ = false;
  double gauss_ = 0.0;
};

}  // namespace nnkit::numpy
