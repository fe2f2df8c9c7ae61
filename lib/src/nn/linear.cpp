#include <nnkit/nn/linear.hpp>

#include <cmath>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/random/generator.hpp>

namespace nnkit::nn {

Linear::Linear(std::int64_t in_features_, std::int64_t out_features_, bool with_bias)
    : in_features(in_features_), out_features(out_features_) {
  if (in_features <= 0 || out_features <= 0) {
    throw Error(fmt::format("Linear(in_features={}, out_features={}): both sizes must be positive",
                            in_features, out_features));
  }
  weight = register_parameter("weight", Tensor::empty({out_features, in_features}));
  if (with_bias) bias = register_parameter("bias", Tensor::empty({out_features}));
  initialize_parameters();
}

void Linear::reset_parameters() { init::default_weight_and_bias_(weight, bias); }

Tensor Linear::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", in_features, out_features,
                     bias.defined() ? "True" : "False");
}

}  // namespace nnkit::nn
