// F.max_pool2d as one fused node (torch's MaxPool2DWithIndicesBackward0): the forward
// records where each maximum came from, the backward scatters the gradient there.
#include <limits>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/memory/caching_allocator.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/pooling.hpp>

namespace nnkit::functional {

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

// The window over all N·C planes, validated as torch's pool2d_shape_check does.
kernels::Window2d max_pool2d_window(const Tensor& input, Pair kernel, Pair stride, Pair padding) {
  if (input.dim() != 4) {
    throw Error(fmt::format("max_pool2d: expected a 4-D input [N, C, H, W], got {} ({}-D){}",
                            to_string(input.shape()), input.dim(),
                            input.dim() == 3 ? "; add the batch dimension with "
                                               "reshape({1, C, H, W})" : ""));
  }
  if (kernel.first <= 0 || kernel.second <= 0) {
    throw Error(fmt::format("max_pool2d: kernel_size ({}, {}) must be positive", kernel.first,
                            kernel.second));
  }
  if (stride.first == 0 && stride.second == 0) stride = kernel;  // torch's stride=None
  if (stride.first <= 0 || stride.second <= 0) {
    throw Error(fmt::format("max_pool2d: stride ({}, {}) must be positive (or (0, 0) for "
                            "stride = kernel_size)", stride.first, stride.second));
  }
  if (padding.first < 0 || padding.second < 0) {
    throw Error(fmt::format("max_pool2d: padding ({}, {}) must be non-negative", padding.first,
                            padding.second));
  }
  if (padding.first > kernel.first / 2 || padding.second > kernel.second / 2) {
    throw Error(fmt::format("max_pool2d: padding ({}, {}) should be at most half of "
                            "kernel_size ({}, {}) (torch: pad should be at most half of kernel "
                            "size)", padding.first, padding.second, kernel.first, kernel.second));
  }
  const Shape& x = input.shape();
  if (x[2] * x[3] > std::numeric_limits<std::int32_t>::max()) {
    throw Error(fmt::format("max_pool2d: input {} has planes of {}x{} pixels; at most 2^31 − 1 "
                            "per plane are supported", to_string(x), x[2], x[3]));
  }
  kernels::Window2d window;
  window.channels = x[0] * x[1];
  window.height = x[2];
  window.width = x[3];
  window.kernel_h = kernel.first;
  window.kernel_w = kernel.second;
  window.stride_h = stride.first;
  window.stride_w = stride.second;
  window.pad_h = padding.first;
  window.pad_w = padding.second;
  if (window.out_height() < 1 || window.out_width() < 1) {
    throw Error(fmt::format("max_pool2d: input {} is too small for kernel_size ({}, {}) with "
                            "padding ({}, {}): the padded input is {}x{}; expected at least the "
                            "kernel size", to_string(x), kernel.first, kernel.second,
                            padding.first, padding.second, x[2] + 2 * padding.first,
                            x[3] + 2 * padding.second));
  }
  return window;
}

}  // namespace

Tensor max_pool2d(const Tensor& input, Pair kernel_size, Pair stride, Pair padding) {
  const kernels::Window2d g = max_pool2d_window(input, kernel_size, stride, padding);
  const Shape out_shape{input.size(0), input.size(1), g.out_height(), g.out_width()};
  Tensor out = Tensor::empty(out_shape);
  // The argmax positions are kept only when a backward can follow (not under no_grad,
  // e.g. in evaluation): int32 per output element, half of torch's int64.
  const bool keep_indices = needs_grad({input});
  auto indices = std::make_shared<memory::Buffer<std::int32_t>>(keep_indices ? out.numel() : 0);
  kernels::max_pool2d_forward(input.data(), g, out.data(), keep_indices ? indices->data() : nullptr);

  const Shape in_shape = input.shape();
  return record(out, "MaxPool2DWithIndicesBackward0", {input},
                [indices, g, in_shape](const Tensor& grad_out) {
    Tensor grad_input = Tensor::empty(in_shape);  // the kernel writes every element
    kernels::max_pool2d_backward(grad_out.data(), indices->data(), g, grad_input.data());
    return std::vector<Tensor>{grad_input};
  });
}

}  // namespace nnkit::functional
