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

  double p;
};

}  // namespace nnkit::nn
