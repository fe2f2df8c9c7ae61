#pragma once
/// im2col / col2im over contiguous float buffers, as in Caffe (`im2col.cpp`): a
/// convolution becomes one GEMM of the weight [Cout, C·KH·KW] with the column matrix
/// [C·KH·KW, OH·OW] of one image. `conv_output_size` is the one place that knows the
/// sliding-window output-size formula; convolution and pooling both use it.
#include <cstdint>

namespace nnkit::kernels {

/// Positions of a window of `kernel` sliding by `stride` over `in` elements padded by
/// `padding` on both sides: floor((in + 2·padding − kernel) / stride) + 1, torch's formula
/// for conv2d and for max_pool2d (dilation 1, ceil_mode=False). 0 when the kernel does
/// not fit the padded input. Requires kernel > 0, stride > 0, padding >= 0.
std::int64_t conv_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                              std::int64_t padding);

/// A 2-D sliding window over `channels` planes of height × width (one image for im2col,
/// N·C planes for pooling).
struct Window2d {
  std::int64_t channels = 1, height = 0, width = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;

  std::int64_t out_height() const { return conv_output_size(height, kernel_h, stride_h, pad_h); }
  std::int64_t out_width() const { return conv_output_size(width, kernel_w, stride_w, pad_w); }
  /// Rows of the column matrix: channels·kernel_h·kernel_w.
  std::int64_t column_rows() const { return channels * kernel_h * kernel_w; }
  /// Columns of the column matrix: out_height·out_width.
  std::int64_t column_cols() const { return out_height() * out_width(); }
};

/// image [channels, height, width] -> columns [channels·kernel_h·kernel_w, out_h·out_w]:
/// row (c, kh, kw), column (oh, ow) holds image[c, oh·stride_h − pad_h + kh,
/// ow·stride_w − pad_w + kw], or 0 where that falls in the zero padding. Overwrites
/// `columns` (column_rows() · column_cols() floats).
void im2col(const float* image, const Window2d& window, float* columns);

/// The adjoint of im2col: every column entry is added (+=) into the pixel it was read
/// from; entries that came from the padding are dropped. `image` [channels, height,
/// width] must already hold something (zeros for a fresh gradient).
void col2im(const float* columns, const Window2d& window, float* image);

/// im2col into a wider matrix whose rows are `ld` floats apart (ld ≥ column_cols()): the
/// columns of several images sit side by side, [rows, images·OH·OW], for one GEMM over
/// all of them. Writes only this image's column_cols() entries of each row.
void im2col(const float* image, const Window2d& window, float* columns, std::int64_t ld);

/// col2im reading from such a wider matrix (rows `ld` floats apart).
void col2im(const float* columns, const Window2d& window, float* image, std::int64_t ld);

}  // namespace nnkit::kernels
