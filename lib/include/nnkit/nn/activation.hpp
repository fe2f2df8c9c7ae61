#pragma once
/// nn.ReLU(): elementwise max(0, x), any shape.
#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class ReLU : public Module {
public:
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "ReLU"; }
};

}  // namespace nnkit::nn
