// F.cross_entropy (mean reduction) as one fused node: log_softmax over the classes, then
// the negative log-likelihood of class indices (torch's NllLossBackward0) or the
// cross-entropy with class probabilities (torch's −Σ t·log p / N, DivBackward1). The
// node names are torch's, so a printed loss reads `grad_fn=<NllLossBackward0>` as there.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>

namespace nnkit::functional {

namespace {

// Row-wise log_softmax of [rows, cols], max-subtracted, sums in double.
std::vector<float> log_softmax_rows(const float* x, std::int64_t rows, std::int64_t cols) {
  std::vector<float> out(rows * cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* y = out.data() + r * cols;
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t c = 0; c < cols; ++c) {
      if (in[c] > max || std::isnan(in[c])) max = in[c];
      if (std::isnan(max)) break;
    }
    double sum = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) sum += std::exp(in[c] - max);
    const float log_sum = static_cast<float>(std::log(sum));
    for (std::int64_t c = 0; c < cols; ++c) y[c] = in[c] - max - log_sum;
  }
  return out;
}

// In place: grad (d/d log_softmax of one row) becomes d/d logits = grad − softmax · Σ grad.
// The product-difference rounds once (double), as torch's fused multiply-add does.
void log_softmax_backward_row(const float* logp, float* grad, std::int64_t cols) {
  double sum = 0.0;
  for (std::int64_t k = 0; k < cols; ++k) sum += grad[k];
  const double total = static_cast<float>(sum);
  for (std::int64_t k = 0; k < cols; ++k) {
    grad[k] = static_cast<float>(grad[k] - static_cast<double>(std::exp(logp[k])) * total);
  }
}

// A target value as the message should show it: "10", "-1", "2.5".
std::string show(float value) {
  if (std::isfinite(value) && value == std::trunc(value)) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{}", value);
}

Tensor class_index_loss(const Tensor& input, const Tensor& target, std::int64_t n,
                        std::int64_t c) {
  if (target.size(0) != n) {
    throw Error(fmt::format("cross_entropy: expected target [N] = [{}] (one class index per row "
                            "of input {}), got {}", n, to_string(input.shape()),
                            to_string(target.shape())));
  }
  std::vector<std::int64_t> index(n);
  const float* t = target.data();
  for (std::int64_t i = 0; i < n; ++i) {
    if (!(std::isfinite(t[i]) && t[i] == std::trunc(t[i]))) {
      throw Error(fmt::format("cross_entropy: target[{}] = {} is not a class index (expected a "
                              "whole number in 0..{}); for class probabilities pass a target "
                              "[N, C] = [{}, {}]", i, show(t[i]), c - 1, n, c));
    }
    if (t[i] < 0 || t[i] >= static_cast<float>(c)) {
      throw Error(fmt::format("cross_entropy: target[{}] = {} is out of range for {} classes "
                              "(expected 0..{})", i, show(t[i]), c, c - 1));
    }
    index[i] = static_cast<std::int64_t>(t[i]);
  }
  std::vector<float> logp = log_softmax_rows(input.data(), n, c);
  double total = 0.0;
  for (std::int64_t i = 0; i < n; ++i) total -= logp[i * c + index[i]];
  Tensor loss = Tensor::scalar(static_cast<float>(total / static_cast<double>(n)));

  return record(loss, "NllLossBackward0", {input},
                [logp = std::move(logp), index = std::move(index), n, c](const Tensor& g) {
    // d loss / d logits[i, k] = (softmax[i, k] − [k == t_i]) · g / N, in torch's order:
    // NLL's gradient −g/N at the target, then log_softmax's backward.
    const float grad_nll = -(g.item() / static_cast<float>(n));
    Tensor grad = Tensor::zeros({n, c});
    float* gx = grad.data();
    for (std::int64_t i = 0; i < n; ++i) {
      gx[i * c + index[i]] = grad_nll;
      log_softmax_backward_row(logp.data() + i * c, gx + i * c, c);
    }
    return std::vector<Tensor>{grad};
  });
}

Tensor probability_loss(const Tensor& input, const Tensor& target, std::int64_t n,
                        std::int64_t c) {
  if (target.shape() != input.shape()) {
    throw Error(fmt::format("cross_entropy: class-probability target must match the input: "
                            "expected target [N, C] = {}, got {}", to_string(input.shape()),
                            to_string(target.shape())));
  }
  if (target.dtype() != Dtype::Float32) {
    throw Error(fmt::format("cross_entropy: a target {} is read as class probabilities and must "
                            "be float32, got int64; pass class indices as a target [N] = [{}]",
                            to_string(target.shape()), n));
  }
  std::vector<float> logp = log_softmax_rows(input.data(), n, c);
  const float* t = target.data();
  double total = 0.0;
  for (std::int64_t i = 0; i < n * c; ++i) total -= static_cast<double>(t[i]) * logp[i];
  Tensor loss = Tensor::scalar(static_cast<float>(total / static_cast<double>(n)));

  // The target is differentiable too, as in torch (soft labels produced by a model).
  Tensor saved_target = target.detach();
  return record(loss, "DivBackward1", {input, target},
                [logp = std::move(logp), saved_target, n, c](const Tensor& g) {
    // torch's graph: −(log_softmax · t).sum() / N. d/d log_softmax = −t·g/N, then
    // log_softmax's backward; d/d target = −log_softmax·g/N.
    const float scale = -(g.item() / static_cast<float>(n));
    const float* t = saved_target.data();
    Tensor grad_input = Tensor::empty({n, c});
    Tensor grad_target = Tensor::empty({n, c});
    float* gx = grad_input.data();
    float* gt = grad_target.data();
    for (std::int64_t j = 0; j < n * c; ++j) {
      gx[j] = scale * t[j];
      gt[j] = scale * logp[j];
    }
    for (std::int64_t i = 0; i < n; ++i) {
      log_softmax_backward_row(logp.data() + i * c, gx + i * c, c);
    }
    return std::vector<Tensor>{grad_input, grad_target};
  });
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target) {
  if (!input.defined() || !target.defined()) {
    throw Error("cross_entropy: input and target must both be defined tensors");
  }
  if (input.dim() != 2) {
    throw Error(fmt::format("cross_entropy: expected input (logits) [N, C], got {}{}",
                            to_string(input.shape()),
                            input.dim() == 1 ? "; for one sample use input.reshape({1, C})" : ""));
  }
  if (input.dtype() != Dtype::Float32) {
    throw Error(fmt::format("cross_entropy: expected float32 logits, got an int64 tensor {}",
                            to_string(input.shape())));
  }
  const std::int64_t n = input.size(0), c = input.size(1);
  if (n == 0 || c == 0) {
    throw Error(fmt::format("cross_entropy: input {} is empty; expected [N, C] with N ≥ 1 and "
                            "C ≥ 1", to_string(input.shape())));
  }
  if (target.dim() == 1) return class_index_loss(input, target, n, c);
  if (target.dim() == 2) return probability_loss(input, target, n, c);
  throw Error(fmt::format("cross_entropy: expected target [N] = [{}] (class indices) or [N, C] = "
                          "[{}, {}] (class probabilities), got {}", n, n, c,
                          to_string(target.shape())));
}

}  // namespace nnkit::functional
