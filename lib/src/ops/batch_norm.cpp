// F.batch_norm as one fused node (torch's NativeBatchNormBackward0): statistics,
// normalisation and the running-statistics update in one pass over [N, C, HW]; and
// batch_norm_dropout, the same node with F.dropout's mask applied on the way out.
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/batch_norm.hpp>

#include "dropout_mask.hpp"

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

// What the forward normalises with, kept for backward (torch's save_mean/save_invstd),
// and the input viewed as [N, C, HW].
struct Normalisation {
  std::int64_t n = 0, c = 0, hw = 0;
  bool training = false;
  std::vector<float> mean, invstd;
};

// Checks F.batch_norm's arguments, computes the batch statistics (training) or reads the
// running ones, and updates the running statistics in place.
Normalisation prepare(const Tensor& input, Tensor& running_mean, Tensor& running_var,
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
  Normalisation norm;
  const std::int64_t n = norm.n = input.size(0), c = norm.c = input.size(1);
  const std::int64_t hw = norm.hw = n * c == 0 ? 0 : input.numel() / (n * c);
  norm.training = training;
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

  norm.mean.resize(c);
  norm.invstd.resize(c);
  if (training) {
    std::vector<float> batch_var(c), unbiased_var(c);
    kernels::batch_norm_stats(input.data(), n, c, hw, norm.mean.data(), batch_var.data(),
                              unbiased_var.data());
    float* rm = running_mean.defined() ? running_mean.data() : nullptr;
    float* rv = running_var.defined() ? running_var.data() : nullptr;
    // torch casts momentum to float32 and mixes float and double exactly like this; kept
    // so that running statistics agree bit for bit over many updates.
    const float factor = static_cast<float>(momentum);
    for (std::int64_t ch = 0; ch < c; ++ch) {
      norm.invstd[ch] =
          static_cast<float>(1.0 / std::sqrt(static_cast<double>(batch_var[ch]) + eps));
      // Normalisation uses the biased variance, the running estimate the unbiased one
      // (Bessel's n/(n−1)), as torch: the running value estimates the population variance.
      if (rm) rm[ch] = factor * norm.mean[ch] + (1.0f - factor) * rm[ch];
      if (rv) {
        rv[ch] = static_cast<float>(static_cast<double>(factor) * unbiased_var[ch] +
                                    static_cast<double>((1.0f - factor) * rv[ch]));
      }
    }
  } else {
    const float* rm = running_mean.data();
    const float* rv = running_var.data();
    for (std::int64_t ch = 0; ch < c; ++ch) {
      norm.mean[ch] = rm[ch];
      // float32 arithmetic, as torch's batch_norm_cpu_collect_linear_and_constant_terms
      norm.invstd[ch] = 1.0f / std::sqrt(rv[ch] + static_cast<float>(eps));
    }
  }
  return norm;
}

// The normalised output and its node; with a dropout draw, the output is multiplied by the
// mask and the node's incoming gradient too (kernels::DropoutMask).
Tensor normalise(const Tensor& input, const Tensor& weight, const Tensor& bias,
                 const Normalisation& norm, const std::optional<DropoutDraw>& dropout,
                 const char* node_name) {
  const kernels::DropoutMask mask = dropout ? dropout->mask() : kernels::DropoutMask{};
  Tensor out = Tensor::empty(input.shape());
  kernels::batch_norm_forward(input.data(), norm.n, norm.c, norm.hw, norm.mean.data(),
                              norm.invstd.data(), weight.defined() ? weight.data() : nullptr,
                              bias.defined() ? bias.data() : nullptr, out.data(), mask);

  Tensor x = input.detach();
  Tensor w = weight.defined() ? weight.detach() : Tensor();
  const bool has_weight = weight.defined(), has_bias = bias.defined();
  return record(out, node_name, {input, weight, bias},
                [x, w, norm, dropout, has_weight, has_bias](const Tensor& g) {
    Tensor grad_x = Tensor::empty(x.shape());
    Tensor grad_w = has_weight ? Tensor::empty({norm.c}) : Tensor();
    Tensor grad_b = has_bias ? Tensor::empty({norm.c}) : Tensor();
    kernels::batch_norm_backward(g.data(), x.data(), norm.n, norm.c, norm.hw, norm.mean.data(),
                                 norm.invstd.data(), has_weight ? w.data() : nullptr,
                                 norm.training, grad_x.data(),
                                 has_weight ? grad_w.data() : nullptr,
                                 has_bias ? grad_b.data() : nullptr,
                                 dropout ? dropout->mask() : kernels::DropoutMask{});
    return std::vector<Tensor>{grad_x, grad_w, grad_b};
  });
}

}  // namespace

Tensor batch_norm(const Tensor& input, Tensor running_mean, Tensor running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  const Normalisation norm =
      prepare(input, running_mean, running_var, weight, bias, training, momentum, eps);
  return normalise(input, weight, bias, norm, std::nullopt, "NativeBatchNormBackward0");
}

Tensor batch_norm_dropout(const Tensor& input, Tensor running_mean, Tensor running_var,
                          const Tensor& weight, const Tensor& bias, bool training,
                          double momentum, double eps, double p) {
  check_dropout_probability(p);
  // Where dropout would return its input unchanged (and draw nothing), so does this.
  if (p == 0.0 || input.numel() == 0) {
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps);
  }
  const Normalisation norm =
      prepare(input, running_mean, running_var, weight, bias, training, momentum, eps);
  // Drawn after the statistics, as in the unfused chain (batch norm draws nothing).
  const DropoutDraw draw = draw_dropout_mask(input.numel(), p);
  return normalise(input, weight, bias, norm, draw, "NativeBatchNormDropoutBackward");
}

}  // namespace nnkit::functional
