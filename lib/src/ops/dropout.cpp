// F.dropout with torch 1.13's CPU mask (not the fused CUDA kernel): noise = bernoulli(1 − p)
// drawn from the default generator, then noise /= (1 − p) in float32, output = input · noise
// (kept here as one byte per element, see below).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/memory/caching_allocator.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/dropout.hpp>
#include <nnkit/kernels/parallel.hpp>
#include <nnkit/random/generator.hpp>

#include "dropout_mask.hpp"

namespace nnkit::functional {

void check_dropout_probability(double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw Error(fmt::format("dropout: probability has to be between 0 and 1, but got p = {}", p));
  }
}

DropoutDraw draw_dropout_mask(std::int64_t count, double p) {
  DropoutDraw draw{std::make_shared<memory::ByteBuffer>(count), 0.0f};
  std::uint8_t* kept = draw.kept->data();
  if (p == 1.0) {
    // torch multiplies by zeros({}): every element dropped, no draws.
    std::fill_n(kept, count, std::uint8_t{0});
    return draw;
  }
  // bernoulli_(1 − p): one 53-bit uniform per element (two 32-bit draws), kept iff
  // u < 1 − p in double; then div_(1 − p) with the scalar cast to float32 first.
  default_generator().bernoulli(kept, count, 1.0 - p);
  draw.scale = 1.0f / static_cast<float>(1.0 - p);
  return draw;
}

Tensor dropout(const Tensor& input, double p, bool training) {
  check_dropout_probability(p);
  if (input.dtype() != Dtype::Float32) {
    throw Error(fmt::format("dropout: expected a float32 input, got an int64 tensor {}",
                            to_string(input.shape())));
  }
  // torch returns the input itself here: no copy, no node, no random draws.
  if (!training || p == 0.0 || input.numel() == 0) return input;

  // The mask holds one byte per element (kept or not) instead of torch's float noise;
  // products with `kept ? scale : 0` are the same floats as with the noise tensor.
  const DropoutDraw draw = draw_dropout_mask(input.numel(), p);
  Tensor out = Tensor::empty(input.shape());
  const float* x = input.data();
  float* y = out.data();
  // The draws above are one sequential stream; the products are independent.
  kernels::parallel_blocks(input.numel(), 1 << 16, [&](std::int64_t first, std::int64_t last) {
    kernels::multiply_by_mask(x + first, draw.kept->data() + first, draw.scale, y + first,
                              last - first);
  });

  return record(out, "MulBackward0", {input}, [draw](const Tensor& g) {
    Tensor grad = may_reuse_gradient(g) ? g : Tensor::empty(g.shape());
    const float* pg = g.data();
    float* out_grad = grad.data();
    kernels::parallel_blocks(g.numel(), 1 << 16, [&](std::int64_t first, std::int64_t last) {
      kernels::multiply_by_mask(pg + first, draw.kept->data() + first, draw.scale,
                                out_grad + first, last - first);
    });
    return std::vector<Tensor>{grad};
  });
}

}  // namespace nnkit::functional
