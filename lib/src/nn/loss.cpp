#include <nnkit/nn/loss.hpp>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>

namespace nnkit::nn {

Tensor CrossEntropyLoss::operator()(const Tensor& input, const Tensor& target) const {
  return functional::cross_entropy(input, target);
}

Tensor CrossEntropyLoss::forward(const Tensor& input) {
  throw Error(fmt::format("CrossEntropyLoss needs the target too: call loss(input, target) "
                          "(got only input {})",
                          input.defined() ? to_string(input.shape()) : "undefined"));
}

}  // namespace nnkit::nn
