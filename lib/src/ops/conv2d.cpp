// F.conv2d as one fused node (torch's ConvolutionBackward0) on the chunked im2col + sgemm
// engine (conv2d_chunks.hpp): the forward's epilogue adds the bias while moving a chunk's
// [Cout, images, OH·OW] product to the output's [images, Cout, OH·OW]; the backward moves
// the output gradient the other way.
#include <algorithm>
#include <vector>

#include <nnkit/autograd/node.hpp>
#include <nnkit/functional.hpp>

#include "conv2d_chunks.hpp"

namespace nnkit::functional {

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              std::pair<std::int64_t, std::int64_t> stride,
              std::pair<std::int64_t, std::int64_t> padding) {
  const conv2d_chunks::Plan plan(conv2d_chunks::window(input, weight, bias, stride, padding),
                                 input.size(0), weight.size(0));
  const std::int64_t out_channels = plan.out_channels, cols = plan.g.column_cols();
  Tensor out = Tensor::empty({plan.batch, out_channels, plan.g.out_height(), plan.g.out_width()});
  const float* b = bias.defined() ? bias.data() : nullptr;
  float* y = out.data();
  conv2d_chunks::forward(plan, input.data(), weight.data(),
                         [&](std::int64_t first, std::int64_t images, const float* product,
                             std::int64_t width) {
    // [Cout, images, OH·OW] -> [images, Cout, OH·OW], adding the bias on the way.
    for (std::int64_t i = 0; i < images; ++i) {
      float* dst = y + (first + i) * out_channels * cols;
      for (std::int64_t o = 0; o < out_channels; ++o) {
        const float* src = product + o * width + i * cols;
        const float shift = b ? b[o] : 0.0f;
        for (std::int64_t p = 0; p < cols; ++p) dst[o * cols + p] = src[p] + shift;
      }
    }
  });

  // Only the gradients some input needs are computed (torch's output_mask).
  const bool grad_input = input.requires_grad(), grad_weight = weight.requires_grad();
  const bool grad_bias = bias.defined() && bias.requires_grad();
  Tensor saved_x = input.detach(), saved_w = weight.detach();
  return record(out, "ConvolutionBackward0", {input, weight, bias},
                [saved_x, saved_w, plan, grad_input, grad_weight, grad_bias](const Tensor& grad_out) {
    const std::int64_t out_channels = plan.out_channels, cols = plan.g.column_cols();
    const float* gy = grad_out.data();
    return conv2d_chunks::backward(plan, saved_x, saved_w, grad_input, grad_weight, grad_bias,
                                   [&](std::int64_t first, std::int64_t images, float* grad,
                                       std::int64_t width) {
      // [images, Cout, OH·OW] -> [Cout, images·OH·OW], the layout of the forward GEMM.
      for (std::int64_t i = 0; i < images; ++i) {
        const float* src = gy + (first + i) * out_channels * cols;
        for (std::int64_t o = 0; o < out_channels; ++o) {
          std::copy_n(src + o * cols, cols, grad + o * width + i * cols);
        }
      }
    });
  });
}

}  // namespace nnkit::functional
