#pragma once
/// nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=true,
/// track_running_stats=true): per-channel normalisation of [N, C, H, W] input (C must equal
/// num_features), output of the same shape. Training normalises with the batch statistics
/// and updates the running ones in place; eval normalises with the running statistics.
/// Parameters weight (ones) and bias (zeros); buffers running_mean (zeros), running_var
/// (ones) and num_batches_tracked (0-d int64), named and ordered as in torch.
#include <optional>

#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class BatchNorm2d : public Module {
public:
  /// `momentum` = std::nullopt is torch's momentum=None: a cumulative moving average
  /// (factor 1 / num_batches_tracked).
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true);
  Tensor forward(const Tensor& input) override;
  /// forward, then Dropout(p) in training mode, in one pass and equal bit for bit
  /// (functional::batch_norm_dropout): what nn::Sequential runs for a BatchNorm2d followed
  /// by a training Dropout. [N, num_features, H, W] -> the same shape.
  Tensor forward_dropout(const Tensor& input, double p);
  std::string name() const override { return "BatchNorm2d"; }
  /// "32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
  std::string extra_repr() const override;
  /// torch's reset_parameters: reset_running_stats(), then weight = 1 and bias = 0, in
  /// place (optimisers keep their handles). Draws no random numbers.
  void reset_parameters() override;
  /// running_mean = 0, running_var = 1, num_batches_tracked = 0, in place.
  void reset_running_stats();

  std::int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight;               ///< [num_features], ones; undefined when affine=false
  Tensor bias;                 ///< [num_features], zeros; undefined when affine=false
  Tensor running_mean;         ///< [num_features], zeros; undefined without running stats
  Tensor running_var;          ///< [num_features], ones; undefined without running stats
  Tensor num_batches_tracked;  ///< 0-d int64, +1 per training forward
};

}  // namespace nnkit::nn
