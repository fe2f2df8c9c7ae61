// Max pooling: the window is clipped to the image first, so the inner loop has no
// padding test; starting from −inf then makes padding behave as −inf. Planes are
// independent, so blocks of planes run in parallel.
#include <nnkit/kernels/pooling.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <nnkit/kernels/parallel.hpp>

namespace nnkit::kernels {

namespace {

// Floats worth one task: planes are handed out in blocks of about this many pixels.
constexpr std::int64_t kGrain = 1 << 16;

std::int64_t planes_per_block(const Window2d& g) {
  return std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(1, g.height * g.width));
}

// Keeps the first maximum, lets a NaN win: the rule of the general loop below.
inline void consider(float value, std::int64_t index, float& best, std::int64_t& best_index) {
  if (value > best || std::isnan(value)) {
    best = value;
    best_index = index;
  }
}

// The common MaxPool2d(2): 2x2 windows at stride 2 without padding, every window inside
// the image, visited in the same order as the general loop.
void max_pool2d_2x2(const float* input, const Window2d& g, std::int64_t first,
                    std::int64_t last, float* output, std::int32_t* indices) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  for (std::int64_t c = first; c < last; ++c) {
    const float* plane = input + c * g.height * g.width;
    for (std::int64_t oh = 0; oh < out_h; ++oh) {
      const std::int64_t top = 2 * oh * g.width;
      const std::int64_t o = (c * out_h + oh) * out_w;
      for (std::int64_t ow = 0; ow < out_w; ++ow) {
        const std::int64_t i = top + 2 * ow;
        float best = -std::numeric_limits<float>::infinity();
        std::int64_t best_index = i;
        consider(plane[i], i, best, best_index);
        consider(plane[i + 1], i + 1, best, best_index);
        consider(plane[i + g.width], i + g.width, best, best_index);
        consider(plane[i + g.width + 1], i + g.width + 1, best, best_index);
        output[o + ow] = best;
        if (indices != nullptr) indices[o + ow] = static_cast<std::int32_t>(best_index);
      }
    }
  }
}

void max_pool2d_planes(const float* input, const Window2d& g, std::int64_t first,
                       std::int64_t last, float* output, std::int32_t* indices) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  for (std::int64_t c = first; c < last; ++c) {
    const float* plane = input + c * g.height * g.width;
    for (std::int64_t oh = 0; oh < out_h; ++oh) {
      const std::int64_t h0 = oh * g.stride_h - g.pad_h;
      const std::int64_t h_first = std::max<std::int64_t>(h0, 0);
      const std::int64_t h_last = std::min(h0 + g.kernel_h, g.height);
      for (std::int64_t ow = 0; ow < out_w; ++ow) {
        const std::int64_t w0 = ow * g.stride_w - g.pad_w;
        const std::int64_t w_first = std::max<std::int64_t>(w0, 0);
        const std::int64_t w_last = std::min(w0 + g.kernel_w, g.width);
        // torch starts from the window's first in-image position, so an all −inf window
        // still points inside it.
        std::int64_t best_index = h_first * g.width + w_first;
        float best = -std::numeric_limits<float>::infinity();
        for (std::int64_t h = h_first; h < h_last; ++h) {
          for (std::int64_t w = w_first; w < w_last; ++w) {
            const std::int64_t index = h * g.width + w;
            const float value = plane[index];
            // Strict > keeps the first maximum; a NaN propagates, as in torch.
            if (value > best || std::isnan(value)) {
              best = value;
              best_index = index;
            }
          }
        }
        const std::int64_t o = (c * out_h + oh) * out_w + ow;
        output[o] = best;
        if (indices != nullptr) indices[o] = static_cast<std::int32_t>(best_index);
      }
    }
  }
}

}  // namespace

void max_pool2d_forward(const float* input, const Window2d& g, float* output,
                        std::int32_t* indices) {
  const bool two_by_two = g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 &&
                          g.stride_w == 2 && g.pad_h == 0 && g.pad_w == 0;
  const std::int64_t block = planes_per_block(g);
  parallel_for(block_count(g.channels, block), [&](std::int64_t b) {
    const std::int64_t first = b * block, last = std::min(g.channels, first + block);
    if (two_by_two) {
      max_pool2d_2x2(input, g, first, last, output, indices);
    } else {
      max_pool2d_planes(input, g, first, last, output, indices);
    }
  });
}

void max_pool2d_backward(const float* grad_output, const std::int32_t* indices,
                         const Window2d& g, float* grad_input) {
  const std::int64_t outputs = g.out_height() * g.out_width();
  const std::int64_t plane = g.height * g.width;
  const std::int64_t block = planes_per_block(g);
  parallel_for(block_count(g.channels, block), [&](std::int64_t b) {
    const std::int64_t first = b * block, last = std::min(g.channels, first + block);
    for (std::int64_t c = first; c < last; ++c) {
      float* grad_plane = grad_input + c * plane;
      const float* grad = grad_output + c * outputs;
      const std::int32_t* index = indices + c * outputs;
      for (std::int64_t o = 0; o < outputs; ++o) grad_plane[index[o]] += grad[o];
    }
  });
}

}  // namespace nnkit::kernels
