#include <nnkit/nn/activation.hpp>

#include <nnkit/functional.hpp>

namespace nnkit::nn {

Tensor ReLU::forward(const Tensor& input) { return functional::relu(input); }

}  // namespace nnkit::nn
