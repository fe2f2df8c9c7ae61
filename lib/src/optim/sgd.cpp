// torch.optim.SGD, 1.13's _single_tensor_sgd, element by element in float32. The
// scalar arithmetic mirrors ATen's CPU kernels so results agree with torch to the bit on
// FMA hardware: `a.add_(b, alpha)` is fma(alpha, b, a) with alpha rounded to float first,
// `a.mul_(s)` is a · float(s).
#include <nnkit/optim/sgd.hpp>

#include <cmath>

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params)), options_(options), momentum_buffers_(params_.size()) {
  if (!(options_.lr() >= 0.0)) {
    throw Error(fmt::format("SGD: invalid learning rate: {} (expected lr >= 0)", options_.lr()));
  }
  if (!(options_.momentum() >= 0.0)) {
    throw Error(fmt::format("SGD: invalid momentum value: {} (expected momentum >= 0)",
                            options_.momentum()));
  }
  if (!(options_.weight_decay() >= 0.0)) {
    throw Error(fmt::format("SGD: invalid weight_decay value: {} (expected weight_decay >= 0)",
                            options_.weight_decay()));
  }
  if (options_.nesterov() && (options_.momentum() <= 0.0 || options_.dampening() != 0.0)) {
    throw Error(fmt::format("SGD: Nesterov momentum requires a momentum and zero dampening "
                            "(got momentum={}, dampening={})",
                            options_.momentum(), options_.dampening()));
  }
}

void SGD::step() {
  const float weight_decay = static_cast<float>(options_.weight_decay());
  const float momentum = static_cast<float>(options_.momentum());
  const float one_minus_dampening = static_cast<float>(1.0 - options_.dampening());
  const float neg_lr = static_cast<float>(-options_.lr());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& param = params_[i];
    const Tensor grad = param.grad();
    if (!grad.defined()) continue;
    const auto n = static_cast<std::size_t>(param.numel());
    float* p = param.data();
    const float* g = grad.data();

    // d_p = grad.add(param, alpha=weight_decay): a new tensor, the grad is left alone.
    std::vector<float> d_p(g, g + n);
    if (options_.weight_decay() != 0.0) {
      for (std::size_t k = 0; k < n; ++k) d_p[k] = std::fma(weight_decay, p[k], d_p[k]);
    }
    if (options_.momentum() != 0.0) {
      std::vector<float>& buf = momentum_buffers_[i];
      if (buf.size() != n) {
        buf = d_p;  // torch.clone(d_p): the first step uses the raw gradient, no dampening
      } else {
        // buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
        for (std::size_t k = 0; k < n; ++k) buf[k] = std::fma(one_minus_dampening, d_p[k], buf[k] * momentum);
      }
      if (options_.nesterov()) {
        for (std::size_t k = 0; k < n; ++k) d_p[k] = std::fma(momentum, buf[k], d_p[k]);
      } else {
        d_p = buf;
      }
    }
    // param.add_(d_p, alpha=-lr)
    for (std::size_t k = 0; k < n; ++k) p[k] = std::fma(neg_lr, d_p[k], p[k]);
  }
}

}  // namespace nnkit::optim
