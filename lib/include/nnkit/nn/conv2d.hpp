#pragma once
/// nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=true):
/// input [N, in_channels, H, W] -> output [N, out_channels, OH, OW] with
/// OH = (H + 2·padding − kernel_size) / stride + 1 (functional::conv2d). Weight
/// [out, in, KH, KW] drawn by kaiming_uniform_(a = sqrt(5)), then bias
/// U(−1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in·KH·KW: torch's order, so after the
/// same manual_seed the values equal torch's bit for bit. Dilation 1, groups 1, zero
/// padding only.
#include <cstdint>
#include <utility>

#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class Conv2d : public Module {
public:
  /// Square kernel, stride and padding, as `nn.Conv2d(1, 32, 3, 1, 1)`.
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
         std::int64_t stride = 1, std::int64_t padding = 0, bool bias = true);
  /// (height, width) pairs, as `nn.Conv2d(1, 32, (3, 5), (1, 2), (1, 2))`.
  Conv2d(std::int64_t in_channels, std::int64_t out_channels,
         std::pair<std::int64_t, std::int64_t> kernel_size,
         std::pair<std::int64_t, std::int64_t> stride = {1, 1},
         std::pair<std::int64_t, std::int64_t> padding = {0, 0}, bool bias = true);

  Tensor forward(const Tensor& input) override;
  /// forward, then ReLU() and MaxPool2d(2) in one pass, equal bit for bit
  /// (functional::conv2d_relu_max_pool2d): what nn::Sequential runs for those three modules
  /// in a row. [N, in_channels, H, W] -> [N, out_channels, OH / 2, OW / 2].
  Tensor forward_relu_max_pool2d(const Tensor& input);
  std::string name() const override { return "Conv2d"; }
  /// torch's: `1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)`; padding left out
  /// when zero, `, bias=False` appended without bias.
  std::string extra_repr() const override;
  /// Redraws weight then bias as the constructor does (torch's reset_parameters).
  void reset_parameters() override;

  std::int64_t in_channels, out_channels;
  std::pair<std::int64_t, std::int64_t> kernel_size, stride, padding;
  Tensor weight;  ///< [out_channels, in_channels, KH, KW]
  Tensor bias;    ///< [out_channels], undefined when bias=false

private:
  void check_input(const Tensor& input) const;
};

}  // namespace nnkit::nn
