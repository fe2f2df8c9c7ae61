// The optimiser base: parameter checks at construction and zero_grad.
#include <nnkit/optim/optimizer.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>

namespace nnkit::optim {

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
  if (params_.empty()) throw Error("optimizer got an empty parameter list");
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    if (!p.defined()) throw Error(fmt::format("optimizer: parameter {} is an undefined Tensor", i));
    if (!p.is_leaf()) {
      throw Error(fmt::format("optimizer: can't optimize a non-leaf Tensor (parameter {}, shape {}, "
                              "made by {}); pass leaves such as model.parameters()",
                              i, to_string(p.shape()), p.grad_fn()->name()));
    }
    if (!p.requires_grad()) {
      throw Error(fmt::format("optimizer: parameter {} (shape {}) does not require grad, so it "
                              "would never get a gradient; call requires_grad_() on it or leave "
                              "it out", i, to_string(p.shape())));
    }
    for (std::size_t j = 0; j < i; ++j) {
      // torch 1.13 only warns; a repeated tensor would be updated twice per step.
      if (params_[j].is_same(p)) {
        throw Error(fmt::format("optimizer: parameters {} and {} are the same tensor; each "
                                "parameter may appear only once", j, i));
      }
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& p : params_) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      std::fill_n(grad.data(), grad.numel(), 0.0f);
    }
  }
}

}  // namespace nnkit::optim
