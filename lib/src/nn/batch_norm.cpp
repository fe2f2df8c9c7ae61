#include <nnkit/nn/batch_norm.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/nn/dropout.hpp>

namespace nnkit::nn {

namespace {

// Python's repr of a float: shortest round-trip digits, "1e-05", and "1.0" not "1".
std::string python_float(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_not_of("-0123456789") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

BatchNorm2d::BatchNorm2d(std::int64_t num_features_, double eps_,
                         std::optional<double> momentum_, bool affine_,
                         bool track_running_stats_)
    : num_features(num_features_), eps(eps_), momentum(momentum_), affine(affine_),
      track_running_stats(track_running_stats_) {
  if (num_features <= 0) {
    throw Error(fmt::format("BatchNorm2d(num_features={}): num_features must be positive",
                            num_features));
  }
  if (!(eps >= 0.0)) {
    throw Error(fmt::format("BatchNorm2d({}): eps must be non-negative, got eps = {}",
                            num_features, eps));
  }
  // torch's registration order: weight, bias, then running_mean, running_var,
  // num_batches_tracked — state_dict keys and named_buffers() follow it.
  if (affine) {
    weight = register_parameter("weight", Tensor::ones({num_features}));
    bias = register_parameter("bias", Tensor::zeros({num_features}));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", Tensor::zeros({num_features}));
    running_var = register_buffer("running_var", Tensor::ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, Dtype::Int64));
  }
}

Tensor BatchNorm2d::forward(const Tensor& input) { return forward_dropout(input, 0.0); }

Tensor BatchNorm2d::forward_dropout(const Tensor& input, double p) {
  Dropout::check_probability(p);  // before num_batches_tracked moves: a bad p changes nothing
  if (input.dim() != 4 || input.size(1) != num_features) {
    throw Error(fmt::format("BatchNorm2d({}) got input {}; expected 4-D input [N, {}, H, W] (the "
                            "channel dimension must equal num_features = {})", num_features,
                            to_string(input.shape()), num_features, num_features));
  }
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    num_batches_tracked.data()[0] += 1.0f;
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.data()[0]);
  }
  // Without running statistics torch normalises with the batch statistics even in eval.
  const bool use_batch_stats = is_training() || !track_running_stats;
  return functional::batch_norm_dropout(input, running_mean, running_var, weight, bias,
                                        use_batch_stats, factor, eps, p);
}

void BatchNorm2d::reset_running_stats() {
  if (!track_running_stats) return;
  std::fill_n(running_mean.data(), num_features, 0.0f);
  std::fill_n(running_var.data(), num_features, 1.0f);
  num_batches_tracked.data()[0] = 0.0f;
}

void BatchNorm2d::reset_parameters() {
  reset_running_stats();
  if (!affine) return;
  std::fill_n(weight.data(), num_features, 1.0f);
  std::fill_n(bias.data(), num_features, 0.0f);
}

std::string BatchNorm2d::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features,
                     python_float(eps), momentum ? python_float(*momentum) : "None",
                     affine ? "True" : "False", track_running_stats ? "True" : "False");
}

}  // namespace nnkit::nn
