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
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t plane = g.height * g.width;
  for (std::int64_t c = 0; c < g.channels; ++c) {
    const float* src_plane = image + c * plane;
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const Range rows = inside(out_h, g.height, kh, g.stride_h, g.pad_h);
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const Range cols = inside(out_w, g.width, kw, g.stride_w, g.pad_w);
        float* dst = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * out_h * out_w;
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

void col2im(const float* columns, const Window2d& g, float* image) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t plane = g.height * g.width;
  for (std::int64_t c = 0; c < g.channels; ++c) {
    float* dst_plane = image + c * plane;
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const Range rows = inside(out_h, g.height, kh, g.stride_h, g.pad_h);
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const Range cols = inside(out_w, g.width, kw, g.stride_w, g.pad_w);
        const float* src = columns + ((c * g.kernel_h + kh) * g.kernel_w + kw) * out_h * out_w;
        for (std::int64_t oh = rows.first; oh < rows.last; ++oh) {
          const float* col_row = src + oh * out_w;
          float* out = dst_plane + (oh * g.stride_h - g.pad_h + kh) * g.width +
                       cols.first * g.stride_w - g.pad_w + kw;
          for (std::int64_t ow = cols.first; ow < cols.last; ++ow, out += g.stride_w) *out += col_row[ow];
        }
      }
    }
  }
}

}  // namespace nnkit::kernels
