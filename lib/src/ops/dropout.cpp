// F.dropout with torch 1.13's CPU mask (not the fused CUDA kernel): noise = bernoulli(1 − p)
// drawn from the default generator, then noise /= (1 − p) in float32, output = input · noise.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/random/generator.hpp>

namespace nnkit::functional {

Tensor dropout(const Tensor& input, double p, bool training) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw Error(fmt::format("dropout: probability has to be between 0 and 1, but got p = {}", p));
  }
  if (input.dtype() != Dtype::Float32) {
    throw Error(fmt::format("dropout: expected a float32 input, got an int64 tensor {}",
                            to_string(input.shape())));
  }
  // torch returns the input itself here: no copy, no node, no random draws.
  if (!training || p == 0.0 || input.numel() == 0) return input;

  Tensor noise = Tensor::empty(input.shape());
  float* mask = noise.data();
  const auto count = input.numel();
  if (p == 1.0) {
    // torch: input * zeros({}) — every element dropped, no draws.
    std::fill_n(mask, count, 0.0f);
  } else {
    // bernoulli_(1 − p): one 53-bit uniform per element (two 32-bit draws), kept iff
    // u < 1 − p in double; then div_(1 − p) with the scalar cast to float32 first.
    const double keep = 1.0 - p;
    const float scale = 1.0f / static_cast<float>(keep);
    auto& generator = default_generator();
    for (std::int64_t i = 0; i < count; ++i) {
      mask[i] = generator.uniform_double() < keep ? scale : 0.0f;
    }
  }
  Tensor out = Tensor::empty(input.shape());
  const float* x = input.data();
  float* y = out.data();
  for (std::int64_t i = 0; i < count; ++i) y[i] = x[i] * mask[i];

  return record(out, "MulBackward0", {input}, [noise](const Tensor& g) {
    Tensor grad = Tensor::empty(g.shape());
    const float* pg = g.data();
    const float* m = noise.data();
    float* out_grad = grad.data();
    for (std::int64_t i = 0, n = g.numel(); i < n; ++i) out_grad[i] = pg[i] * m[i];
    return std::vector<Tensor>{grad};
  });
}

}  // namespace nnkit::functional
