// im2col / col2im, Caffe's layout. The inner loops work on one output row at a time:
// the range of output columns whose input pixel lies inside the image is computed once,
// so the copy needs no per-element bounds test and, at stride 1, is a plain copy.
#include <nnkit/kernels/im2col.hpp>

#include <algorithm>

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

// Stride 1 and "same" width (out_w == width, e.g. 3x3 with padding 1): a row of the
// column matrix is the image plane shifted by one offset, so the in-image part is one
// contiguous copy; the few entries that wrapped around a row edge are then zeroed.
// One copy per (c, kh, kw) instead of one per output row: those rows are 3–28 floats,
// too short to amortise a memcpy call each.
void im2col_same_width(const float* image, const Window2d& g, float* columns, std::int64_t ld) {
  const std::int64_t out_h = g.out_height(), width = g.width;
  const std::int64_t plane = g.height * width;
  for (std::int64_t c = 0; c < g.channels; ++c) {
    const float* src_plane = image + c * plane;
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const Range rows = inside(out_h, g.height, kh, 1, g.pad_h);
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const Range cols = inside(width, width, kw, 1, g.pad_w);
        float* dst = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        std::fill(dst, dst + rows.first * width, 0.0f);
        if (rows.first < rows.last && cols.first < cols.last) {
          // dst[oh·W + ow] = src[(oh + kh − pad_h)·W + ow + kw − pad_w] from the first
          // valid entry of the first valid row to the last of the last.
          const std::int64_t begin = rows.first * width + cols.first;
          const std::int64_t end = (rows.last - 1) * width + cols.last;
          const std::int64_t shift = (kh - g.pad_h) * width + kw - g.pad_w;
          std::copy(src_plane + begin + shift, src_plane + end + shift, dst + begin);
          for (std::int64_t oh = rows.first; oh < rows.last; ++oh) {
            float* row = dst + oh * width;
            std::fill(row, row + cols.first, 0.0f);
            std::fill(row + cols.last, row + width, 0.0f);
          }
        } else {
          std::fill(dst + rows.first * width, dst + rows.last * width, 0.0f);
        }
        std::fill(dst + rows.last * width, dst + out_h * width, 0.0f);
      }
    }
  }
}

}  // namespace

void im2col(const float* image, const Window2d& g, float* columns, std::int64_t ld) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t plane = g.height * g.width;
  if (g.stride_h == 1 && g.stride_w == 1 && out_w == g.width) {
    im2col_same_width(image, g, columns, ld);
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
