// F.conv2d as one fused node (torch's ConvolutionBackward0), Caffe's way: per image,
// im2col into one reused column buffer, then one gemm with the weight. The buffer holds
// one image's columns (Cin·KH·KW × OH·OW floats), never the batch's, so memory stays at
// input + output + one image however large the batch. Backward recomputes the columns
// from the saved input instead of keeping them, for the same reason.
#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/gemm.hpp>
#include <nnkit/kernels/im2col.hpp>

namespace nnkit::functional {

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

// The one image's window, validated: throws naming the op, the shapes and what was expected.
kernels::Window2d conv2d_window(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                Pair stride, Pair padding) {
  if (input.dim() != 4) {
    throw Error(fmt::format("conv2d: expected a 4-D input [N, C, H, W], got {} ({}-D){}",
                            to_string(input.shape()), input.dim(),
                            input.dim() == 3 ? "; add the batch dimension with "
                                               "reshape({1, C, H, W})" : ""));
  }
  if (weight.dim() != 4) {
    throw Error(fmt::format("conv2d: expected a 4-D weight [Cout, Cin, KH, KW], got {}",
                            to_string(weight.shape())));
  }
  const Shape& x = input.shape();
  const Shape& w = weight.shape();
  if (std::any_of(w.begin(), w.end(), [](std::int64_t d) { return d <= 0; })) {
    throw Error(fmt::format("conv2d: weight {} has an empty dimension; expected [Cout, Cin, "
                            "KH, KW] all positive", to_string(w)));
  }
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != w[0])) {
    throw Error(fmt::format("conv2d: bias {} does not fit weight {}; expected [{}]",
                            to_string(bias.shape()), to_string(w), w[0]));
  }
  if (stride.first <= 0 || stride.second <= 0) {
    throw Error(fmt::format("conv2d: stride ({}, {}) must be positive", stride.first,
                            stride.second));
  }
  if (padding.first < 0 || padding.second < 0) {
    throw Error(fmt::format("conv2d: padding ({}, {}) must be non-negative", padding.first,
                            padding.second));
  }
  if (x[1] != w[1]) {
    throw Error(fmt::format("conv2d: input {} has {} channels, weight {} expects {}",
                            to_string(x), x[1], to_string(w), w[1]));
  }
  const std::int64_t padded_h = x[2] + 2 * padding.first, padded_w = x[3] + 2 * padding.second;
  if (w[2] > padded_h || w[3] > padded_w) {
    throw Error(fmt::format("conv2d: kernel {}x{} of weight {} is larger than the padded "
                            "input {}x{} (input {}, padding ({}, {}))", w[2], w[3], to_string(w),
                            padded_h, padded_w, to_string(x), padding.first, padding.second));
  }
  kernels::Window2d window;
  window.channels = x[1];
  window.height = x[2];
  window.width = x[3];
  window.kernel_h = w[2];
  window.kernel_w = w[3];
  window.stride_h = stride.first;
  window.stride_w = stride.second;
  window.pad_h = padding.first;
  window.pad_w = padding.second;
  return window;
}

// A 1x1 kernel at stride 1 without padding: the image already is its column matrix.
bool columns_are_image(const kernels::Window2d& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_h == 0 && g.pad_w == 0;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Pair stride,
              Pair padding) {
  const kernels::Window2d g = conv2d_window(input, weight, bias, stride, padding);
  const std::int64_t batch = input.size(0), out_channels = weight.size(0);
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  const std::int64_t rows = g.column_rows(), cols = g.column_cols();  // Cin·KH·KW, OH·OW
  const std::int64_t image_size = g.channels * g.height * g.width;
  const std::int64_t out_image_size = out_channels * cols;
  const bool direct = columns_are_image(g);

  Tensor out = Tensor::empty({batch, out_channels, out_h, out_w});
  std::vector<float> columns(direct ? 0 : rows * cols);
  const float* x = input.data();
  const float* w = weight.data();
  for (std::int64_t n = 0; n < batch; ++n) {
    const float* image = x + n * image_size;
    float* y = out.data() + n * out_image_size;
    if (!direct) kernels::im2col(image, g, columns.data());
    if (bias.defined()) {
      for (std::int64_t o = 0; o < out_channels; ++o) std::fill_n(y + o * cols, cols, bias.data()[o]);
    }
    // [Cout, Cin·KH·KW] x [Cin·KH·KW, OH·OW] -> [Cout, OH·OW]
    kernels::gemm(false, false, out_channels, cols, rows, 1.0f, w, direct ? image : columns.data(),
                  bias.defined() ? 1.0f : 0.0f, y);
  }

  // Only the gradients some input needs are computed (torch's output_mask).
  const bool grad_input = input.requires_grad(), grad_weight = weight.requires_grad();
  const bool grad_bias = bias.defined() && bias.requires_grad();
  Tensor saved_x = input.detach(), saved_w = weight.detach();
  return record(out, "ConvolutionBackward0", {input, weight, bias},
                [saved_x, saved_w, g, batch, out_channels, grad_input, grad_weight, grad_bias,
                 direct](const Tensor& grad_out) {
    const std::int64_t rows = g.column_rows(), cols = g.column_cols();
    const std::int64_t image_size = g.channels * g.height * g.width;
    Tensor dx = grad_input ? Tensor::zeros(saved_x.shape()) : Tensor();
    Tensor dw = grad_weight ? Tensor::zeros(saved_w.shape()) : Tensor();
    Tensor db = grad_bias ? Tensor::zeros({out_channels}) : Tensor();
    std::vector<float> columns(direct ? 0 : rows * cols);
    for (std::int64_t n = 0; n < batch; ++n) {
      const float* gy = grad_out.data() + n * out_channels * cols;
      if (grad_weight) {
        const float* image = saved_x.data() + n * image_size;
        if (!direct) kernels::im2col(image, g, columns.data());
        // [Cout, OH·OW] x [OH·OW, Cin·KH·KW] -> [Cout, Cin·KH·KW], summed over images (beta = 1)
        kernels::gemm(false, true, out_channels, rows, cols, 1.0f, gy,
                      direct ? image : columns.data(), 1.0f, dw.data());
      }
      if (grad_input) {
        float* dimage = dx.data() + n * image_size;
        // [Cin·KH·KW, Cout] x [Cout, OH·OW] -> [Cin·KH·KW, OH·OW]
        kernels::gemm(true, false, rows, cols, out_channels, 1.0f, saved_w.data(), gy, 0.0f,
                      direct ? dimage : columns.data());
        if (!direct) kernels::col2im(columns.data(), g, dimage);
      }
      if (grad_bias) {
        float* b = db.data();
        for (std::int64_t o = 0; o < out_channels; ++o) {
          // A plane sums OH·OW values of both signs: float32 would lose ~1e-5 of the result.
          const float* plane = gy + o * cols;
          double sum = 0.0;
          for (std::int64_t i = 0; i < cols; ++i) sum += plane[i];
          b[o] += static_cast<float>(sum);
        }
      }
    }
    return std::vector<Tensor>{dx, dw, db};
  });
}

}  // namespace nnkit::functional
