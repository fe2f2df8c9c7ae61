#pragma once
/// nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0): input [N, C, H, W] ->
/// [N, C, OH, OW] with OH = (H + 2·padding − kernel_size) / stride + 1, the maximum of each
/// window (functional::max_pool2d). Dilation 1, ceil_mode=False; padding at most
/// kernel_size / 2, as torch requires.
#include <cstdint>

#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class MaxPool2d : public Module {
public:
  /// stride 0 (the default) means stride = kernel_size, as torch's stride=None.
  explicit MaxPool2d(std::int64_t kernel_size, std::int64_t stride = 0, std::int64_t padding = 0);

  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "MaxPool2d"; }
  /// torch's: `kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False`.
  std::string extra_repr() const override;

  std::int64_t kernel_size, stride, padding;
};

}  // namespace nnkit::nn
