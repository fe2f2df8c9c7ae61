#pragma once
/// MT19937, the 32-bit Mersenne Twister of Matsumoto and Nishimura: the engine under torch's
/// CPU generator (at::mt19937) and std::mt19937, with the same seeding (init_genrand) and the
/// same outputs, draw for draw.
///
/// Why not std::mt19937: libstdc++ regenerates its 624 words and tempers one draw per call
/// with a branch each, about 9 ns a draw measured here; dropout on the CNN's first block
/// draws 25 million per step. This engine regenerates the state in three loops without
/// wrap-around (the compiler vectorises them) and tempers whole runs at once in
/// `generate`, several times faster for bulk draws; one draw at a time costs the same.
#include <array>
#include <cstddef>
#include <cstdint>

namespace nnkit {

class Mt19937 {
public:
  static constexpr std::size_t kStateSize = 624;

  explicit Mt19937(std::uint32_t seed = 5489u) { this->seed(seed); }

  /// init_genrand(seed), as std::mt19937::seed and torch's mt19937(seed).
  void seed(std::uint32_t seed);

  /// The next draw.
  std::uint32_t operator()() {
    if (next_ == kStateSize) twist();
    return temper(state_[next_++]);
  }

  /// The next `count` draws, in order, into `out` (the same as `count` calls).
  void generate(std::uint32_t* out, std::size_t count);

  bool operator==(const Mt19937&) const = default;

private:
  static std::uint32_t temper(std::uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
  }
  /// Regenerates all 624 words of state.
  void twist();

  std::array<std::uint32_t, kStateSize> state_{};
  std::size_t next_ = kStateSize;
};

}  // namespace nnkit
