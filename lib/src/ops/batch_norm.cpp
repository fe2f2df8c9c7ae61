// F.batch_norm as one fused node (torch's NativeBatchNormBackward0): statistics,
// normalisation and the running-statistics update in one pass over [N, C, HW].
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/batch_norm.hpp>

namespace nnkit::functional {

namespace {

// weight, bias, running_mean, running_var: undefined or float32 [C].
void check_per_channel(const Tensor& t, const char* what, std::int64_t channels,
                       const Shape& input_shape) {
  if (!t.defined()) return;
  if (t.dim() != 1 || t.size(0) != channels || t.dtype() != Dtype::Float32) {
    throw Error(fmt::format("batch_norm: {} must be a float32 tensor [{}] (one value per channel "
                            "of input {}), got {}{}", what, channels, to_string(input_shape),
                            t.dtype() == Dtype::Int64 ? "an int64 tensor " : "",
                            to_string(t.shape())));
  }
}

}  // namespace

Tensor batch_norm(const Tensor& input, Tensor running_mean, Tensor running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  if (input.dim() < 2) {
    throw Error(fmt::format("batch_norm: expected input [N, C, ...] with at least 2 dimensions, "
                            "got {}", to_string(input.shape())));
  }
  if (input.dtype() != Dtype::Float32) {
    throw Error(fmt::format("batch_norm: expected a float32 input, got an int64 tensor {}",
                            to_string(input.shape())));
  }
  const std::int64_t n = input.size(0), c = input.size(1);
  const std::int64_t hw = n * c == 0 ? 0 : input.numel() / (n * c);
  check_per_channel(weight, "weight", c, input.shape());
  check_per_channel(bias, "bias", c, input.shape());
  check_per_channel(running_mean, "running_mean", c, input.shape());
  check_per_channel(running_var, "running_var", c, input.shape());
  if (!training && (!running_mean.defined() || !running_var.defined())) {
    throw Error("batch_norm: eval mode (training=false) normalises with running_mean and "
                "running_var, but they were not given");
  }
  if (training && n * hw <= 1) {
    // torch: "Expected more than 1 value per channel when training"
    throw Error(fmt::format("batch_norm: expected more than 1 value per channel when training, "
                            "got input {} ({} value per channel)", to_string(input.shape()),
                            n * hw));
  }

  // What the forward normalises with, kept for backward (torch's save_mean/save_invstd).
  std::vector<float> mean(c), invstd(c);
  if (training) {
    std::vector<float> batch_var(c), unbiased_var(c);
    kernels::batch_norm_stats(input.data(), n, c, hw, mean.data(), batch_var.data(),
                              unbiased_var.data());
    float* rm = running_mean.defined() ? running_mean.data() : nullptr;
    float* rv = running_var.defined() ? running_var.data() : nullptr;
    // torch casts momentum to float32 and mixes float and double exactly like this; kept
    // so that running statistics agree bit for bit over many updates.
    const float factor = static_cast<float>(momentum);
    for (std::int64_t ch = 0; ch < c; ++ch) {
      invstd[ch] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(batch_var[ch]) + eps));
      // Normalisation uses the biased variance, the running estimate the unbiased one
      // (Bessel's n/(n−1)), as torch: the running value estimates the population variance.
      if (rm) rm[ch] = factor * mean[ch] + (1.0f - factor) * rm[ch];
      if (rv) {
        rv[ch] = static_cast<float>(static_cast<double>(factor) * unbiased_var[ch] +
                                    static_cast<double>((1.0f - factor) * rv[ch]));
      }
    }
  } else {
    const float* rm = running_mean.data();
    const float* rv = running_var.data();
    for (std::int64_t ch = 0; ch < c; ++ch) {
      mean[ch] = rm[ch];
      // float32 arithmetic, as torch's batch_norm_cpu_collect_linear_and_constant_terms
      invstd[ch] = 1.0f / std::sqrt(rv[ch] + static_cast<float>(eps));
    }
  }

  Tensor out = Tensor::empty(input.shape());
  kernels::batch_norm_forward(input.data(), n, c, hw, mean.data(), invstd.data(),
                              weight.defined() ? weight.data() : nullptr,
                              bias.defined() ? bias.data() : nullptr, out.data());

  Tensor x = input.detach();
  Tensor w = weight.defined() ? weight.detach() : Tensor();
  const bool has_weight = weight.defined(), has_bias = bias.defined();
  return record(out, "NativeBatchNormBackward0", {input, weight, bias},
                [x, w, mean, invstd, n, c, hw, training, has_weight, has_bias](const Tensor& g) {
    Tensor grad_x = Tensor::empty(x.shape());
    Tensor grad_w = has_weight ? Tensor::empty({c}) : Tensor();
    Tensor grad_b = has_bias ? Tensor::empty({c}) : Tensor();
    kernels::batch_norm_backward(g.data(), x.data(), n, c, hw, mean.data(), invstd.data(),
                                 has_weight ? w.data() : nullptr, training, grad_x.data(),
                                 has_weight ? grad_w.data() : nullptr,
                                 has_bias ? grad_b.data() : nullptr);
    return std::vector<Tensor>{grad_x, grad_w, grad_b};
  });
}

}  // namespace nnkit::functional
