#pragma once
/// The dropout mask's products, shared by functional::dropout and the fused batch norm →
/// dropout kernels so that both give the same floats. The mask is one byte per element, 1
/// kept and 0 dropped; a kept element is scaled by 1/(1 − p).
#include <cstdint>

namespace nnkit::kernels {

/// A drawn mask as the kernels read it: element i is multiplied by kept[i] · scale.
/// `kept` null: no dropout.
struct DropoutMask {
  const std::uint8_t* kept = nullptr;
  float scale = 1.0f;
};

/// kept · scale: 0 or scale exactly (kept is 0 or 1). Multiplying by it gives the floats of
/// torch's `x · (kept ? scale : 0)`, in loops without a branch per element, which vectorise.
inline float keep_factor(std::uint8_t kept, float scale) {
  return static_cast<float>(kept) * scale;
}

/// out[i] = in[i] · keep_factor(kept[i], scale) for i < count. `out` may be `in`.
inline void multiply_by_mask(const float* in, const std::uint8_t* kept, float scale, float* out,
                             std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) out[i] = in[i] * keep_factor(kept[i], scale);
}

}  // namespace nnkit::kernels
