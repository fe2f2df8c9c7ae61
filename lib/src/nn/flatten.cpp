#include <nnkit/nn/flatten.hpp>

#include <fmt/format.h>

namespace nnkit::nn {

std::string Flatten::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim);
}

}  // namespace nnkit::nn
