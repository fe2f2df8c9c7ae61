#pragma once
/// nn.Linear(in_features, out_features, bias=true): y = x · Wᵀ + b.
/// Input [..., in_features] -> output [..., out_features]. Weight [out, in] drawn by
/// kaiming_uniform_(a = sqrt(5)), then bias U(−1/sqrt(in), 1/sqrt(in)): torch's order, so
/// after the same manual_seed the values equal torch's.
#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class Linear : public Module {
public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override;
  void reset_parameters() override;

  std::int64_t in_features, out_features;
  Tensor weight;  ///< [out_features, in_features]
  Tensor bias;    ///< [out_features], undefined when bias=false
};

}  // namespace nnkit::nn
