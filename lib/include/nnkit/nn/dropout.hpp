#pragma once
/// nn.Dropout(p=0.5): in training, zeroes each element with probability p (mask drawn
/// from the default generator exactly as torch) and scales the others by 1/(1 − p);
/// identity in eval. Any input shape; output of the same shape. p in [0, 1].
#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class Dropout : public Module {
public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Dropout"; }
  /// "p=0.3, inplace=False" (nnkit has no in-place variant).
  std::string extra_repr() const override;
  /// Throws nnkit::Error naming p unless 0 ≤ p ≤ 1 (the constructor's check; also for a p
  /// given elsewhere, e.g. BatchNorm2d::forward_dropout).
  static void check_probability(double p);

  double p;
};

}  // namespace nnkit::nn
