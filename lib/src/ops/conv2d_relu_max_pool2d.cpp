// F.max_pool2d(F.relu(F.conv2d(x, w, b, stride, padding)), 2) in one pass per chunk of images,
// the way oneDNN and PyTorch's fusing backends give a convolution post-ops: each chunk's
// GEMM output is biased, rectified and pooled while it is still in the core's cache. The
// unfused chain writes and re-reads two full-resolution tensors (on the CNN's first block,
// 200 MB each, per forward) and keeps a ReLU mask for the backward; this keeps only the
// pooled output and, per pooled value, where its maximum came from.
//
// Bits: every float is computed as the three ops compute it (the same chunked GEMM, the same
// `v > 0 ? v : 0`, the same 2x2 pooling kernel and its tie rule), so output and gradients
// equal the unfused chain's bit for bit (nnkit's own tests check it).
#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include <nnkit/autograd/node.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/pooling.hpp>
#include <nnkit/memory/caching_allocator.hpp>

#include "conv2d_chunks.hpp"

namespace nnkit::functional {

namespace {

// The 2x2, stride-2 pooling of one chunk's [Cout·images] planes of OH x OW.
kernels::Window2d pool_window(const kernels::Window2d& conv, std::int64_t planes) {
  kernels::Window2d pool;
  pool.channels = planes;
  pool.height = conv.out_height();
  pool.width = conv.out_width();
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  pool.pad_h = pool.pad_w = 0;
  return pool;
}

// Per-thread buffers for a chunk's pooled values and their positions, reused chunk after
// chunk.
struct PoolScratch {
  std::vector<float> values;
  std::vector<std::int32_t> indices;
};

PoolScratch& pool_scratch(std::int64_t size) {
  thread_local PoolScratch scratch;
  if (static_cast<std::int64_t>(scratch.values.size()) < size) {
    scratch.values.resize(size);
    scratch.indices.resize(size);
  }
  return scratch;
}

}  // namespace

Tensor conv2d_relu_max_pool2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              std::pair<std::int64_t, std::int64_t> stride,
                              std::pair<std::int64_t, std::int64_t> padding) {
  const conv2d_chunks::Plan plan(conv2d_chunks::window(input, weight, bias, stride, padding),
                                 input.size(0), weight.size(0));
  const std::int64_t conv_plane = plan.g.out_height() * plan.g.out_width();
  if (plan.g.out_height() < 2 || plan.g.out_width() < 2 ||
      conv_plane > std::numeric_limits<std::int32_t>::max()) {
    // No 2x2 window fits, or positions overflow the saved int32 indices: the unfused chain
    // says so in max_pool2d's words.
    return max_pool2d(relu(conv2d(input, weight, bias, stride, padding)), {2, 2}, {2, 2}, {0, 0});
  }
  const std::int64_t out_channels = plan.out_channels;
  const kernels::Window2d per_image_pool = pool_window(plan.g, 1);
  const std::int64_t pooled = per_image_pool.out_height() * per_image_pool.out_width();
  Tensor out = Tensor::empty({plan.batch, out_channels, per_image_pool.out_height(),
                              per_image_pool.out_width()});
  // Per pooled value: the position of its maximum in its OH x OW plane when the ReLU let it
  // through (value > 0), −1 when the gradient stops there (torch: threshold_backward).
  const bool keep_indices = needs_grad({input, weight, bias});
  auto indices = std::make_shared<memory::Buffer<std::int32_t>>(keep_indices ? out.numel() : 0);
  const float* b = bias.defined() ? bias.data() : nullptr;
  float* y = out.data();
  std::int32_t* saved_index = indices->data();
  conv2d_chunks::forward(plan, input.data(), weight.data(),
                         [&](std::int64_t first, std::int64_t images, float* product,
                             std::int64_t width) {
    for (std::int64_t o = 0; o < out_channels; ++o) {
      float* row = product + o * width;
      const float shift = b ? b[o] : 0.0f;
      for (std::int64_t p = 0; p < width; ++p) {
        const float v = row[p] + shift;  // conv2d's bias, then relu's rule
        row[p] = v > 0.0f ? v : 0.0f;
      }
    }
    // The chunk's planes are [Cout, images] in order: one pooling call over all of them.
    PoolScratch& scratch = pool_scratch(out_channels * images * pooled);
    kernels::max_pool2d_forward(product, pool_window(plan.g, out_channels * images),
                                scratch.values.data(), scratch.indices.data());
    // [Cout, images, pooled] -> [images, Cout, pooled]
    for (std::int64_t o = 0; o < out_channels; ++o) {
      for (std::int64_t i = 0; i < images; ++i) {
        const std::int64_t from = (o * images + i) * pooled;
        const std::int64_t to = ((first + i) * out_channels + o) * pooled;
        std::copy_n(scratch.values.data() + from, pooled, y + to);
        if (!keep_indices) continue;
        for (std::int64_t q = 0; q < pooled; ++q) {
          saved_index[to + q] = scratch.values[from + q] > 0.0f ? scratch.indices[from + q] : -1;
        }
      }
    }
  });

  const bool grad_input = input.requires_grad(), grad_weight = weight.requires_grad();
  const bool grad_bias = bias.defined() && bias.requires_grad();
  Tensor saved_x = input.detach(), saved_w = weight.detach();
  return record(out, "ConvReluMaxPool2DBackward", {input, weight, bias},
                [saved_x, saved_w, plan, pooled, indices, grad_input, grad_weight,
                 grad_bias](const Tensor& grad_out) {
    const std::int64_t out_channels = plan.out_channels, cols = plan.g.column_cols();
    const float* gy = grad_out.data();
    const std::int32_t* index = indices->data();
    return conv2d_chunks::backward(plan, saved_x, saved_w, grad_input, grad_weight, grad_bias,
                                   [&](std::int64_t first, std::int64_t images, float* grad,
                                       std::int64_t width) {
      // max_pool2d's backward (0 + g at each maximum) and relu's (0 where it stopped), laid
      // out as the GEMM wants them: [Cout, images·OH·OW].
      std::fill_n(grad, out_channels * width, 0.0f);
      for (std::int64_t i = 0; i < images; ++i) {
        for (std::int64_t o = 0; o < out_channels; ++o) {
          const std::int64_t from = ((first + i) * out_channels + o) * pooled;
          float* plane = grad + o * width + i * cols;
          for (std::int64_t q = 0; q < pooled; ++q) {
            if (index[from + q] >= 0) plane[index[from + q]] = 0.0f + gy[from + q];
          }
        }
      }
    });
  });
}

}  // namespace nnkit::functional
