#pragma once
/// nn.Flatten(start_dim=1, end_dim=-1): [N, C, H, W] -> [N, C·H·W] by default.
#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class Flatten : public Module {
public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim, end_dim); }
  std::string name() const override { return "Flatten"; }
  std::string extra_repr() const override;

  std::int64_t start_dim, end_dim;
};

}  // namespace nnkit::nn
