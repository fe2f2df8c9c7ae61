// im2col / col2im, Caffe's layout. At stride 1, im2col copies each channel into a
// zero-bordered plane once and then reads every column row from it without bounds tests;
// col2im adds every column row into such a plane and copies its inside back.
// Otherwise the inner loops work on one output row at a time: the range of output columns
// whose input pixel lies inside the image is computed once, so the copy needs no
// per-element bounds test.
#include <nnkit/kernels/im2col.hpp>

#include <algorithm>
#include <vector>

namespace nnkit::kernels {

namespace {

// ceil(a / b) for b > 0 and any sign of a.
std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// Output positions [first, last) along one axis whose input index
// out·stride − pad + k lies in [0, in).
struct Range {
  std::int64_t first, last;
};

Range inside(std::int64_t out_size, std::int64_t in, std::int64_t k, std::int64_t stride,
             std::int64_t pad) {
  const std::int64_t first = std::clamp<std::int64_t>(ceil_div(pad - k, stride), 0, out_size);
  const std::int64_t last = std::clamp<std::int64_t>(ceil_div(in + pad - k, stride), first, out_size);
  return {first, last};
}

}  // namespace

std::int64_t conv_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                              std::int64_t padding) {
  const std::int64_t span = in + 2 * padding - kernel;
  // C++ division truncates towards zero, so a negative span must not reach it.
  return span < 0 ? 0 : span / stride + 1;
}

void im2col(const float* image, const Window2d& g, float* columns) {
  im2col(image, g, columns, g.column_cols());
}

void col2im(const float* columns, const Window2d& g, float* image) {
  col2im(columns, g, image, g.column_cols());
}

namespace {

// A zero-bordered plane's storage for the calling thread: at least `size` floats.
float* padded_plane(std::int64_t size) {
  thread_local std::vector<float> padded;
  if (static_cast<std::int64_t>(padded.size()) < size) padded.resize(size);
  return padded.data();
}

// Copies one H x W channel into the inside of a plane padded by (pad_h, pad_w), rows
// `padded_w` floats apart; the border is left as it is.
void copy_into_padded(const float* plane, const Window2d& g, std::int64_t padded_w, float* p) {
  for (std::int64_t h = 0; h < g.height; ++h) {
    float* to = p + (h + g.pad_h) * padded_w + g.pad_w;
    for (std::int64_t w = 0; w < g.width; ++w) to[w] = plane[h * g.width + w];
  }
}

// Stride 1 (every layer of the assignment's CNN): each channel is first copied into a
// zero-bordered plane of (H + 2·pad_h) x (W + 2·pad_w), so that every row of the column
// matrix is OH plain copies of OW floats with no bounds, no fills and no library calls.
// The generic path below spends most of its time in memset/memcpy calls of 1–28 floats
// (the CNN's rows are 28, 14, 7 and 3 wide): measured in a profile, im2col and the fills
// and copies it called were ~12 % of a training step.
void im2col_stride1(const float* image, const Window2d& g, float* columns, std::int64_t ld) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t padded_w = g.width + 2 * g.pad_w;
  const std::int64_t padded_size = (g.height + 2 * g.pad_h) * padded_w;
  float* p = padded_plane(padded_size);
  std::fill(p, p + padded_size, 0.0f);  // the border stays zero for every channel
  for (std::int64_t c = 0; c < g.channels; ++c) {
    copy_into_padded(image + c * g.height * g.width, g, padded_w, p);
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        float* dst = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        for (std::int64_t oh = 0; oh < out_h; ++oh) {
          const float* from = p + (oh + kh) * padded_w + kw;
          float* to = dst + oh * out_w;
          for (std::int64_t ow = 0; ow < out_w; ++ow) to[ow] = from[ow];
        }
      }
    }
  }
}

// col2im at stride 1: each channel's image goes into the inside of a padded plane, every
// column row is added at its offset with no bounds (what lands on the border is thrown
// away), and the inside is copied back. Each pixel receives the same additions in the same
// (kh, kw) order as in the generic loop below, so the floats are the same.
void col2im_stride1(const float* columns, const Window2d& g, float* image, std::int64_t ld) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t padded_w = g.width + 2 * g.pad_w;
  float* p = padded_plane((g.height + 2 * g.pad_h) * padded_w);
  for (std::int64_t c = 0; c < g.channels; ++c) {
    float* plane = image + c * g.height * g.width;
    // The border is not read back: no need to clear it between channels.
    copy_into_padded(plane, g, padded_w, p);
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const float* src = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        for (std::int64_t oh = 0; oh < out_h; ++oh) {
          float* to = p + (oh + kh) * padded_w + kw;
          const float* from = src + oh * out_w;
          for (std::int64_t ow = 0; ow < out_w; ++ow) to[ow] += from[ow];
        }
      }
    }
    for (std::int64_t h = 0; h < g.height; ++h) {
      const float* from = p + (h + g.pad_h) * padded_w + g.pad_w;
      for (std::int64_t w = 0; w < g.width; ++w) plane[h * g.width + w] = from[w];
    }
  }
}

}  // namespace

void im2col(const float* image, const Window2d& g, float* columns, std::int64_t ld) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t plane = g.height * g.width;
  if (g.stride_h == 1 && g.stride_w == 1) {
    im2col_stride1(image, g, columns, ld);
    return;
  }
  for (std::int64_t c = 0; c < g.channels; ++c) {
    const float* src_plane = image + c * plane;
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const Range rows = inside(out_h, g.height, kh, g.stride_h, g.pad_h);
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const Range cols = inside(out_w, g.width, kw, g.stride_w, g.pad_w);
        float* dst = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        std::fill(dst, dst + rows.first * out_w, 0.0f);
        for (std::int64_t oh = rows.first; oh < rows.last; ++oh) {
          float* out_row = dst + oh * out_w;
          const float* in_row = src_plane + (oh * g.stride_h - g.pad_h + kh) * g.width;
          std::fill(out_row, out_row + cols.first, 0.0f);
          const float* in = in_row + cols.first * g.stride_w - g.pad_w + kw;
          if (g.stride_w == 1) {
            std::copy(in, in + (cols.last - cols.first), out_row + cols.first);
          } else {
            for (std::int64_t ow = cols.first; ow < cols.last; ++ow, in += g.stride_w) out_row[ow] = *in;
          }
          std::fill(out_row + cols.last, out_row + out_w, 0.0f);
        }
        std::fill(dst + rows.last * out_w, dst + out_h * out_w, 0.0f);
      }
    }
  }
}

void col2im(const float* columns, const Window2d& g, float* image, std::int64_t ld) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t plane = g.height * g.width;
  if (g.stride_h == 1 && g.stride_w == 1) {
    col2im_stride1(columns, g, image, ld);
    return;
  }
  for (std::int64_t c = 0; c < g.channels; ++c) {
    float* dst_plane = image + c * plane;
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const Range rows = inside(out_h, g.height, kh, g.stride_h, g.pad_h);
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const Range cols = inside(out_w, g.width, kw, g.stride_w, g.pad_w);
        const float* src = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        for (std::int64_t oh = rows.first; oh < rows.last; ++oh) {
          const float* col_row = src + oh * out_w;
          float* out = dst_plane + (oh * g.stride_h - g.pad_h + kh) * g.width +
                       cols.first * g.stride_w - g.pad_w + kw;
          if (g.stride_w == 1) {  // contiguous: the compiler vectorises this one
            for (std::int64_t ow = cols.first; ow < cols.last; ++ow) out[ow - cols.first] += col_row[ow];
          } else {
            for (std::int64_t ow = cols.first; ow < cols.last; ++ow, out += g.stride_w) *out += col_row[ow];
          }
        }
      }
    }
  }
}

}  // namespace nnkit::kernels
