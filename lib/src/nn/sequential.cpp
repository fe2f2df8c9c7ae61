#include <nnkit/nn/sequential.hpp>

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit::nn {

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& [child_name, child] : named_children()) x = child->forward(x);
  return x;
}

Module& Sequential::operator[](std::size_t index) const {
  if (index >= size()) {
    throw Error(fmt::format("Sequential: index {} is out of range (the model has {} modules, "
                            "indices 0..{})", index, size(), size() == 0 ? 0 : size() - 1));
  }
  return *named_children()[index].second;
}

void Sequential::throw_wrong_type(std::size_t index, const char* wanted) const {
  throw Error(fmt::format("Sequential::at<{}>({}): module {} is a {}", wanted, index, index,
                          (*this)[index].name()));
}

}  // namespace nnkit::nn
