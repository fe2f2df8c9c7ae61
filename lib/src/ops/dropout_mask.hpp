#pragma once
// The mask of F.dropout, shared by functional::dropout and the fused
// functional::batch_norm_dropout so that both draw exactly what torch 1.13's CPU kernel draws.
#include <cstdint>
#include <memory>

#include <nnkit/kernels/dropout.hpp>
#include <nnkit/memory/caching_allocator.hpp>

namespace nnkit::functional {

/// One byte per element (1 kept, 0 dropped) and the scale 1/(1 − p) of the kept ones.
struct DropoutDraw {
  std::shared_ptr<memory::ByteBuffer> kept;
  float scale = 0.0f;

  /// The view the kernels read (kernels::DropoutMask).
  kernels::DropoutMask mask() const { return {kept->data(), scale}; }
};

/// Throws nnkit::Error unless 0 ≤ p ≤ 1 (F.dropout's message).
void check_dropout_probability(double p);

/// Draws the mask of `count` elements from default_generator(): bernoulli_(1 − p), one
/// 53-bit uniform per element; p = 1 drops everything without drawing (torch: zeros).
/// 0 < p ≤ 1.
DropoutDraw draw_dropout_mask(std::int64_t count, double p);

}  // namespace nnkit::functional
