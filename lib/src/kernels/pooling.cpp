// Max pooling: the window is clipped to the image first, so the inner loop has no
// padding test; starting from −inf then makes padding behave as −inf. Planes are
// independent, so blocks of planes run in parallel.
#include <nnkit/kernels/pooling.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <nnkit/kernels/parallel.hpp>

// The SSE2 path for 2x2 windows where the compiler targets SSE2 (baseline x86-64); the
// plain loop everywhere else (arm64, and builds with -DNNKIT_SIMD=OFF, which define
// NNKIT_NO_SIMD so a port or a bug hunt can switch the fast path off). Both give the same
// bits: the same comparisons in the same order, only four windows at a time.
#if defined(__SSE2__) && !defined(NNKIT_NO_SIMD)
#define NNKIT_POOLING_SSE2 1
#include <emmintrin.h>
#else
#define NNKIT_POOLING_SSE2 0
#endif

namespace nnkit::kernels {

namespace {

// Floats worth one task: planes are handed out in blocks of about this many pixels.
constexpr std::int64_t kGrain = 1 << 16;

std::int64_t planes_per_block(const Window2d& g) {
  return std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(1, g.height * g.width));
}

// The common MaxPool2d(2): 2x2 windows at stride 2 without padding, every window inside
// the image, visited in the same order as the general loop: top-left, top-right,
// bottom-left, bottom-right, a later value taken when it is greater or NaN (so the first
// maximum wins and a NaN propagates). On real activations which value wins is a coin
// toss: compare-and-branch code mispredicts constantly (8 ns an output, measured), so
// four outputs at a time are computed with SSE2 masks (baseline x86-64), the last 1–3 of a
// row gathered into one more vector.
#if NNKIT_POOLING_SSE2
inline void take_if_better(__m128 value, __m128i index, __m128& best, __m128i& best_index) {
  const __m128 better = _mm_or_ps(_mm_cmpgt_ps(value, best), _mm_cmpunord_ps(value, value));
  best = _mm_or_ps(_mm_and_ps(better, value), _mm_andnot_ps(better, best));
  const __m128i take = _mm_castps_si128(better);
  best_index = _mm_or_si128(_mm_and_si128(take, index), _mm_andnot_si128(take, best_index));
}

void max_pool2d_2x2(const float* input, const Window2d& g, std::int64_t first,
                    std::int64_t last, float* output, std::int32_t* indices) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const auto width = static_cast<std::int32_t>(g.width);
  for (std::int64_t c = first; c < last; ++c) {
    const float* plane = input + c * g.height * g.width;
    for (std::int64_t oh = 0; oh < out_h; ++oh) {
      const auto top = static_cast<std::int32_t>(2 * oh * g.width);
      const float* upper = plane + top;
      const float* lower = upper + width;
      float* out = output + (c * out_h + oh) * out_w;
      std::int32_t* out_index = indices ? indices + (c * out_h + oh) * out_w : nullptr;
      std::int64_t ow = 0;
      for (; ow + 4 <= out_w; ow += 4) {
        // Eight neighbours of a row, split into the left (even) and right (odd) columns.
        const __m128 u0 = _mm_loadu_ps(upper + 2 * ow), u1 = _mm_loadu_ps(upper + 2 * ow + 4);
        const __m128 l0 = _mm_loadu_ps(lower + 2 * ow), l1 = _mm_loadu_ps(lower + 2 * ow + 4);
        const __m128 upper_left = _mm_shuffle_ps(u0, u1, _MM_SHUFFLE(2, 0, 2, 0));
        const __m128 upper_right = _mm_shuffle_ps(u0, u1, _MM_SHUFFLE(3, 1, 3, 1));
        const __m128 lower_left = _mm_shuffle_ps(l0, l1, _MM_SHUFFLE(2, 0, 2, 0));
        const __m128 lower_right = _mm_shuffle_ps(l0, l1, _MM_SHUFFLE(3, 1, 3, 1));
        const auto i = top + 2 * static_cast<std::int32_t>(ow);
        const __m128i left_index = _mm_setr_epi32(i, i + 2, i + 4, i + 6);
        const __m128i one = _mm_set1_epi32(1), below = _mm_set1_epi32(width);
        // Starting from the first value is starting from −inf and taking it: it wins
        // unless it is −inf itself, and then the index is the same.
        __m128 best = upper_left;
        __m128i best_index = left_index;
        take_if_better(upper_right, _mm_add_epi32(left_index, one), best, best_index);
        take_if_better(lower_left, _mm_add_epi32(left_index, below), best, best_index);
        take_if_better(lower_right, _mm_add_epi32(_mm_add_epi32(left_index, below), one), best,
                       best_index);
        _mm_storeu_ps(out + ow, best);
        if (out_index) _mm_storeu_si128(reinterpret_cast<__m128i*>(out_index + ow), best_index);
      }
      if (ow < out_w) {
        // The last 1–3 windows of the row, gathered into the lanes of one vector (the unused
        // lanes repeat the last window) rather than branching per window: the deeper
        // blocks' rows are 7, 3 or 1 windows wide, mostly tail.
        std::int32_t left[4];
        for (int lane = 0; lane < 4; ++lane) {
          const std::int64_t column = std::min<std::int64_t>(ow + lane, out_w - 1);
          left[lane] = top + 2 * static_cast<std::int32_t>(column);
        }
        const auto gather = [plane, &left](std::int32_t offset) {
          return _mm_setr_ps(plane[left[0] + offset], plane[left[1] + offset],
                             plane[left[2] + offset], plane[left[3] + offset]);
        };
        const __m128i left_index = _mm_loadu_si128(reinterpret_cast<const __m128i*>(left));
        const __m128i one = _mm_set1_epi32(1), below = _mm_set1_epi32(width);
        __m128 best = gather(0);
        __m128i best_index = left_index;
        take_if_better(gather(1), _mm_add_epi32(left_index, one), best, best_index);
        take_if_better(gather(width), _mm_add_epi32(left_index, below), best, best_index);
        take_if_better(gather(width + 1), _mm_add_epi32(_mm_add_epi32(left_index, below), one),
                       best, best_index);
        alignas(16) float best_values[4];
        alignas(16) std::int32_t best_indices[4];
        _mm_store_ps(best_values, best);
        _mm_store_si128(reinterpret_cast<__m128i*>(best_indices), best_index);
        for (int lane = 0; ow + lane < out_w; ++lane) {
          out[ow + lane] = best_values[lane];
          if (out_index) out_index[ow + lane] = best_indices[lane];
        }
      }
    }
  }
}
#endif  // NNKIT_POOLING_SSE2

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
#if NNKIT_POOLING_SSE2
  const bool two_by_two = g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 &&
                          g.stride_w == 2 && g.pad_h == 0 && g.pad_w == 0;
  if (two_by_two) {
    const std::int64_t block = planes_per_block(g);
    parallel_for(block_count(g.channels, block), [&](std::int64_t b) {
      const std::int64_t first = b * block, last = std::min(g.channels, first + block);
      max_pool2d_2x2(input, g, first, last, output, indices);
    });
    return;
  }
#endif
  max_pool2d_forward_plain(input, g, output, indices);
}

void max_pool2d_forward_plain(const float* input, const Window2d& g, float* output,
                              std::int32_t* indices) {
  const std::int64_t block = planes_per_block(g);
  parallel_for(block_count(g.channels, block), [&](std::int64_t b) {
    const std::int64_t first = b * block, last = std::min(g.channels, first + block);
    max_pool2d_planes(input, g, first, last, output, indices);
  });
}

void max_pool2d_backward(const float* grad_output, const std::int32_t* indices,
                         const Window2d& g, float* grad_input) {
  const std::int64_t outputs = g.out_height() * g.out_width();
  const std::int64_t plane = g.height * g.width;
  const std::int64_t block = planes_per_block(g);
  parallel_for(block_count(g.channels, block), [&](std::int64_t b) {
    const std::int64_t first = b * block, last = std::min(g.channels, first + block);
    // Zeroed here, plane by plane on every thread, rather than by a serial memset of the
    // whole tensor: on the CNN's first block that is 200 MB, and warm in cache just
    // before the scatter below touches it.
    std::fill(grad_input + first * plane, grad_input + last * plane, 0.0f);
    for (std::int64_t c = first; c < last; ++c) {
      float* grad_plane = grad_input + c * plane;
      const float* grad = grad_output + c * outputs;
      const std::int32_t* index = indices + c * outputs;
      for (std::int64_t o = 0; o < outputs; ++o) grad_plane[index[o]] += grad[o];
    }
  });
}

}  // namespace nnkit::kernels
