#pragma once
/// nnkit::functional — torch.nn.functional for the ops the assignment needs. Each heavy op
/// (conv2d, max_pool2d, batch_norm, cross_entropy) is one fused autograd node. Shapes are
/// NCHW for images, [N, C] for logits. Every function throws nnkit::Error naming the op,
/// the shapes or values it got and what it expected.
#include <cstdint>
#include <utility>

#include <nnkit/tensor.hpp>

namespace nnkit::functional {

/// F.linear(input [N, in], weight [out, in], bias [out] or undefined) -> [N, out]:
/// input · weightᵀ + bias, one gemm (torch's addmm).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);

/// F.relu: elementwise max(0, x); gradient 0 at x = 0, as torch.
Tensor relu(const Tensor& input);

/// F.conv2d(input [N, Cin, H, W], weight [Cout, Cin, KH, KW], bias [Cout] or undefined,
/// stride, padding) -> [N, Cout, OH, OW] with OH = (H + 2·padding − KH) / stride + 1.
/// Cross-correlation, as every CNN layer computes it; im2col + sgemm.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              std::pair<std::int64_t, std::int64_t> stride = {1, 1},
              std::pair<std::int64_t, std::int64_t> padding = {0, 0});

/// F.max_pool2d(F.relu(F.conv2d(input, weight, bias, stride, padding)), 2): the CNN block's
/// first three layers in one pass, equal to the three ops bit for bit, output and gradients
/// (nn::Sequential uses it for a Conv2d, ReLU, MaxPool2d(2) run). [N, Cin, H, W] ->
/// [N, Cout, OH / 2, OW / 2] with OH, OW as conv2d's.
Tensor conv2d_relu_max_pool2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              std::pair<std::int64_t, std::int64_t> stride = {1, 1},
                              std::pair<std::int64_t, std::int64_t> padding = {0, 0});

/// F.max_pool2d(input [N, C, H, W], kernel_size, stride (0 = kernel_size, torch's default),
/// padding) -> [N, C, OH, OW]; the gradient goes to the first maximum of each window.
Tensor max_pool2d(const Tensor& input, std::pair<std::int64_t, std::int64_t> kernel_size,
                  std::pair<std::int64_t, std::int64_t> stride = {0, 0},
                  std::pair<std::int64_t, std::int64_t> padding = {0, 0});

/// F.batch_norm(input [N, C, ...], running_mean [C], running_var [C], weight [C], bias [C],
/// training, momentum, eps). Training: normalises with the batch mean and biased variance,
/// and updates the running statistics in place with the unbiased variance
/// (r = (1 − momentum)·r + momentum·batch); eval: uses the running statistics.
Tensor batch_norm(const Tensor& input, Tensor running_mean, Tensor running_var,
                  const Tensor& weight, const Tensor& bias, bool training,
                  double momentum = 0.1, double eps = 1e-5);

/// batch_norm(...) then dropout(p, training=true) in one node, equal bit for bit (the same
/// mask drawn at the same point of default_generator()'s stream): what nn::Sequential runs
/// for a BatchNorm2d followed by a Dropout in training mode. The batch-norm output is never
/// stored and the gradient is masked on the fly. p = 0 (or an empty input) is batch_norm alone.
Tensor batch_norm_dropout(const Tensor& input, Tensor running_mean, Tensor running_var,
                          const Tensor& weight, const Tensor& bias, bool training,
                          double momentum, double eps, double p);

/// F.dropout(input, p, training): zeroes each element with probability p and scales the
/// rest by 1/(1 − p) in training (inverted dropout); identity in eval. p in [0, 1]; p = 1
/// gives zeros, as torch. The mask comes from default_generator() exactly as torch's CPU
/// kernel draws it (one 53-bit uniform per element, kept when u < 1 − p), so after the same
/// manual_seed it equals torch's bit for bit.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

/// F.softmax / F.log_softmax along `dim` (max-subtracted, as torch).
Tensor softmax(const Tensor& input, std::int64_t dim);
Tensor log_softmax(const Tensor& input, std::int64_t dim);

/// F.cross_entropy(input [N, C] logits, target, reduction="mean"). `target` is either class
/// indices [N] (Int64 or float holding integers in [0, C)) -> mean of −log_softmax[i, t_i];
/// or class probabilities [N, C] (float32, e.g. one-hot) -> mean over N of −Σ_c t·log_softmax.
/// A 0-d loss whose grad_fn is torch's (NllLossBackward0 / DivBackward1); probability
/// targets receive a gradient too. No ignore_index: every class index must be in [0, C).
Tensor cross_entropy(const Tensor& input, const Tensor& target);

}  // namespace nnkit::functional

namespace nnkit {
namespace F = functional;
}  // namespace nnkit
