#include <nnkit/nn/pooling.hpp>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>

namespace nnkit::nn {

MaxPool2d::MaxPool2d(std::int64_t kernel_size_, std::int64_t stride_, std::int64_t padding_)
    : kernel_size(kernel_size_), stride(stride_ == 0 ? kernel_size_ : stride_), padding(padding_) {
  if (kernel_size <= 0 || stride <= 0 || padding < 0 || padding > kernel_size / 2) {
    throw Error(fmt::format("MaxPool2d({}): kernel_size and stride must be positive and padding "
                            "between 0 and kernel_size / 2", extra_repr()));
  }
}

Tensor MaxPool2d::forward(const Tensor& input) {
  return functional::max_pool2d(input, {kernel_size, kernel_size}, {stride, stride},
                                {padding, padding});
}

std::string MaxPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode=False",
                     kernel_size, stride, padding);
}

}  // namespace nnkit::nn
