// Batch-norm statistics, normalisation and backward over [N, C, HW] buffers, in the
// order torch 1.13's CPU kernels use (batch_norm_cpu_collect_stats_contiguous_impl,
// batch_norm_cpu_transform_input_template, batch_norm_backward_cpu_template).
// Channels are independent: blocks of channels run in parallel, each channel's sums in
// one task and in the same order as on one thread.
#include <nnkit/kernels/batch_norm.hpp>

#include <algorithm>
#include <vector>

#include <nnkit/kernels/parallel.hpp>

namespace nnkit::kernels {

namespace {

// Channels per task: about 2^16 floats of work each.
std::int64_t channel_grain(std::int64_t n, std::int64_t hw) {
  return std::max<std::int64_t>(1, (std::int64_t{1} << 16) / std::max<std::int64_t>(1, n * hw));
}

// One plane's dL/dy: grad_y itself, or after a fused dropout grad_y · kept · scale written to
// `scratch` (hw floats), so that both passes of the backward read the same floats.
const float* plane_gradient(const float* grad_y, const DropoutMask& dropout, std::int64_t offset,
                            std::int64_t hw, float* scratch) {
  if (!dropout.kept) return grad_y + offset;
  multiply_by_mask(grad_y + offset, dropout.kept + offset, dropout.scale, scratch, hw);
  return scratch;
}

}  // namespace

void batch_norm_stats(const float* x, std::int64_t n, std::int64_t c, std::int64_t hw,
                      float* mean, float* biased_var, float* unbiased_var) {
  const std::int64_t count = n * hw;
  parallel_blocks(c, channel_grain(n, hw), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t ch = first; ch < last; ++ch) {
      double sum = 0.0;
      for (std::int64_t b = 0; b < n; ++b) {
        const float* plane = x + (b * c + ch) * hw;
        for (std::int64_t i = 0; i < hw; ++i) sum += plane[i];
      }
      const float m = static_cast<float>(sum / static_cast<double>(count));
      // Two passes (mean first, then squared deviations): no cancellation for inputs far
      // from zero. The float32 rounding steps are torch's (see the header).
      double squares = 0.0;
      for (std::int64_t b = 0; b < n; ++b) {
        const float* plane = x + (b * c + ch) * hw;
        for (std::int64_t i = 0; i < hw; ++i) {
          const float d = plane[i] - m;
          squares += d * d;
        }
      }
      const float var_sum = static_cast<float>(squares);
      mean[ch] = m;
      biased_var[ch] = var_sum / static_cast<float>(count);
      if (unbiased_var) unbiased_var[ch] = var_sum / static_cast<float>(count - 1);
    }
  });
}

void batch_norm_forward(const float* x, std::int64_t n, std::int64_t c, std::int64_t hw,
                        const float* mean, const float* invstd, const float* weight,
                        const float* bias, float* y, DropoutMask dropout) {
  parallel_blocks(c, channel_grain(n, hw), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t ch = first; ch < last; ++ch) {
      const float w = weight ? weight[ch] : 1.0f;
      const float b0 = bias ? bias[ch] : 0.0f;
      const float alpha = invstd[ch] * w;
      // torch's x86 build contracts `bias − mean·alpha` and `x·alpha + beta` into fused
      // multiply-adds (one rounding each). Double arithmetic gives the same floats: a product
      // of two floats is exact in double, so only the final sum rounds. This matters where
      // x·alpha and beta nearly cancel (outputs near zero).
      const float beta = static_cast<float>(b0 - static_cast<double>(mean[ch]) * alpha);
      const double a = alpha;
      for (std::int64_t b = 0; b < n; ++b) {
        const std::int64_t offset = (b * c + ch) * hw;
        const float* in = x + offset;
        float* out = y + offset;
        if (dropout.kept) {
          const std::uint8_t* kept = dropout.kept + offset;
          for (std::int64_t i = 0; i < hw; ++i) {
            out[i] = static_cast<float>(in[i] * a + beta) * keep_factor(kept[i], dropout.scale);
          }
        } else {
          for (std::int64_t i = 0; i < hw; ++i) out[i] = static_cast<float>(in[i] * a + beta);
        }
      }
    }
  });
}

void batch_norm_backward(const float* grad_y, const float* x, std::int64_t n, std::int64_t c,
                         std::int64_t hw, const float* mean, const float* invstd,
                         const float* weight, bool training, float* grad_x, float* grad_weight,
                         float* grad_bias, DropoutMask dropout) {
  const double count = static_cast<double>(n * hw);
  parallel_blocks(c, channel_grain(n, hw), [&](std::int64_t first, std::int64_t last) {
    std::vector<float> scratch(dropout.kept ? static_cast<std::size_t>(hw) : 0);
    for (std::int64_t ch = first; ch < last; ++ch) {
      const float m = mean[ch], s = invstd[ch];
      const float w = weight ? weight[ch] : 1.0f;
      // One pass for Σ dy and Σ (x − mean)·dy, in double.
      double sum = 0.0, dot = 0.0;
      for (std::int64_t b = 0; b < n; ++b) {
        const float* dy = plane_gradient(grad_y, dropout, (b * c + ch) * hw, hw, scratch.data());
        const float* in = x + (b * c + ch) * hw;
        for (std::int64_t i = 0; i < hw; ++i) {
          sum += dy[i];
          dot += static_cast<double>(in[i] - m) * dy[i];
        }
      }
      if (grad_x) {
        if (training) {
          // The batch mean and variance move with x: project out the mean of dy and the
          // component of dy along x̂ (torch's Q(dy) − dot(x̂, dy)·x̂, scaled by invstd·w).
          // float32 from here on, in torch's operation order.
          const float k = static_cast<float>(dot) * s * s / static_cast<float>(count);
          const float grad_mean = static_cast<float>(sum / count);
          for (std::int64_t b = 0; b < n; ++b) {
            const float* dy =
                plane_gradient(grad_y, dropout, (b * c + ch) * hw, hw, scratch.data());
            const float* in = x + (b * c + ch) * hw;
            float* dx = grad_x + (b * c + ch) * hw;
            for (std::int64_t i = 0; i < hw; ++i) {
              dx[i] = (dy[i] - grad_mean - (in[i] - m) * k) * s * w;
            }
          }
        } else {
          // Running statistics are constants: the op is affine in x.
          for (std::int64_t b = 0; b < n; ++b) {
            const float* dy =
                plane_gradient(grad_y, dropout, (b * c + ch) * hw, hw, scratch.data());
            float* dx = grad_x + (b * c + ch) * hw;
            for (std::int64_t i = 0; i < hw; ++i) dx[i] = dy[i] * s * w;
          }
        }
      }
      if (grad_weight) grad_weight[ch] = static_cast<float>(dot * s);
      if (grad_bias) grad_bias[ch] = static_cast<float>(sum);
    }
  });
}

}  // namespace nnkit::kernels
