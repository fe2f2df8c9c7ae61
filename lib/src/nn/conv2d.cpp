#include <nnkit/nn/conv2d.hpp>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/random/generator.hpp>

namespace nnkit::nn {

Conv2d::Conv2d(std::int64_t in_channels_, std::int64_t out_channels_, std::int64_t kernel_size_,
               std::int64_t stride_, std::int64_t padding_, bool with_bias)
    : Conv2d(in_channels_, out_channels_, {kernel_size_, kernel_size_}, {stride_, stride_},
             {padding_, padding_}, with_bias) {}

Conv2d::Conv2d(std::int64_t in_channels_, std::int64_t out_channels_,
               std::pair<std::int64_t, std::int64_t> kernel_size_,
               std::pair<std::int64_t, std::int64_t> stride_,
               std::pair<std::int64_t, std::int64_t> padding_, bool with_bias)
    : in_channels(in_channels_), out_channels(out_channels_), kernel_size(kernel_size_),
      stride(stride_), padding(padding_) {
  if (in_channels <= 0 || out_channels <= 0 || kernel_size.first <= 0 ||
      kernel_size.second <= 0 || stride.first <= 0 || stride.second <= 0 || padding.first < 0 ||
      padding.second < 0) {
    throw Error(fmt::format("Conv2d(in_channels={}, out_channels={}, kernel_size=({}, {}), "
                            "stride=({}, {}), padding=({}, {})): channels, kernel_size and stride "
                            "must be positive and padding non-negative", in_channels, out_channels,
                            kernel_size.first, kernel_size.second, stride.first, stride.second,
                            padding.first, padding.second));
  }
  weight = register_parameter(
      "weight", Tensor::empty({out_channels, in_channels, kernel_size.first, kernel_size.second}));
  if (with_bias) bias = register_parameter("bias", Tensor::empty({out_channels}));
  initialize_parameters();  // records the stream stretch, so Sequential(...) can redraw in order
}

// torch's _ConvNd.reset_parameters: kaiming_uniform_(a = sqrt(5)), then the bias from
// U(−1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels·KH·KW.
void Conv2d::reset_parameters() { init::default_weight_and_bias_(weight, bias); }

void Conv2d::check_input(const Tensor& input) const {
  if (input.dim() == 4 && input.size(1) != in_channels) {
    throw Error(fmt::format("Conv2d({}) got input {}; expected [N, {}, H, W]", extra_repr(),
                            to_string(input.shape()), in_channels));
  }
}

Tensor Conv2d::forward(const Tensor& input) {
  check_input(input);
  return functional::conv2d(input, weight, bias, stride, padding);
}

Tensor Conv2d::forward_relu_max_pool2d(const Tensor& input) {
  check_input(input);
  return functional::conv2d_relu_max_pool2d(input, weight, bias, stride, padding);
}

std::string Conv2d::extra_repr() const {
  // torch's _ConvNd.extra_repr: padding only when non-zero, bias only when absent.
  std::string text = fmt::format("{}, {}, kernel_size=({}, {}), stride=({}, {})", in_channels,
                                 out_channels, kernel_size.first, kernel_size.second,
                                 stride.first, stride.second);
  if (padding.first != 0 || padding.second != 0) {
    text += fmt::format(", padding=({}, {})", padding.first, padding.second);
  }
  if (!bias.defined()) text += ", bias=False";
  return text;
}

}  // namespace nnkit::nn
