// MT19937 (random/mt19937.hpp). The recurrence, with n = 624, m = 397:
//   y = upper bit of x[i] | lower 31 bits of x[i+1];  x[i] = x[i+m] ^ (y >> 1) ^ (odd(y) ? a : 0)
// Split at the wrap-arounds, each part reads only words that are final for it, at a
// distance of at least 227 from the words it writes, so plain loops vectorise.
#include <nnkit/random/mt19937.hpp>

#include <algorithm>

namespace nnkit {

namespace {

constexpr std::size_t kShift = 397;  // m
constexpr std::uint32_t kMatrixA = 0x9908b0dfu;
constexpr std::uint32_t kUpperMask = 0x80000000u, kLowerMask = 0x7fffffffu;

std::uint32_t mix(std::uint32_t current, std::uint32_t next, std::uint32_t far) {
  const std::uint32_t y = (current & kUpperMask) | (next & kLowerMask);
  return far ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
}

}  // namespace

void Mt19937::seed(std::uint32_t seed) {
  state_[0] = seed;
  for (std::uint32_t i = 1; i < kStateSize; ++i) {
    state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + i;
  }
  next_ = kStateSize;
}

void Mt19937::twist() {
  std::uint32_t* x = state_.data();
  constexpr std::size_t n = kStateSize, m = kShift;
  for (std::size_t i = 0; i < n - m; ++i) x[i] = mix(x[i], x[i + 1], x[i + m]);
  for (std::size_t i = n - m; i < n - 1; ++i) x[i] = mix(x[i], x[i + 1], x[i + m - n]);
  x[n - 1] = mix(x[n - 1], x[0], x[m - 1]);
  next_ = 0;
}

void Mt19937::generate(std::uint32_t* out, std::size_t count) {
  while (count > 0) {
    if (next_ == kStateSize) twist();
    const std::size_t run = std::min(count, kStateSize - next_);
    const std::uint32_t* words = state_.data() + next_;
    for (std::size_t i = 0; i < run; ++i) out[i] = temper(words[i]);
    next_ += run;
    out += run;
    count -= run;
  }
}

}  // namespace nnkit
