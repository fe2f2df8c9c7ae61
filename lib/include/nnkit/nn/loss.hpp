#pragma once
/// nn.CrossEntropyLoss() (mean reduction): `loss(logits, target)` with logits [N, C] and
/// target class indices [N] (int64, or float holding whole numbers in 0..C−1) or class
/// probabilities [N, C] (float32); returns a 0-d tensor. See functional::cross_entropy.
///
///   nn::CrossEntropyLoss criterion;
///   Tensor loss = criterion(model(x), y);   // [N, C], [N] -> []
///   loss.backward();
#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

/// A Module so that it prints and switches train/eval like torch's; it takes two inputs,
/// so the one-input `forward` throws and `operator()(input, target)` is the call.
class CrossEntropyLoss : public Module {
public:
  CrossEntropyLoss() = default;
  Tensor operator()(const Tensor& input, const Tensor& target) const;
  /// Throws: a loss needs the target too; call `loss(input, target)`.
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "CrossEntropyLoss"; }
};

}  // namespace nnkit::nn
