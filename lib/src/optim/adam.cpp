// torch.optim.Adam, 1.13's _single_tensor_adam (not capturable, not differentiable),
// element by element in float32. Bias corrections and the step size are computed in
// double as Python does; each ATen call is mirrored with its float32 rounding: scalars
// are rounded to float before use, `add_(b, alpha)` is fma(alpha, b, a), `addcmul_` is
// fma(value·b, c, a), `addcdiv_` is a + (value·b)/c, `x / s` is a true division.
#include <nnkit/optim/adam.hpp>

#include <cmath>

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Optimizer(std::move(params)), options_(options), states_(params_.size()) {
  const auto [beta1, beta2] = options_.betas();
  if (!(options_.lr() >= 0.0)) {
    throw Error(fmt::format("Adam: invalid learning rate: {} (expected lr >= 0)", options_.lr()));
  }
  if (!(options_.eps() >= 0.0)) {
    throw Error(fmt::format("Adam: invalid epsilon value: {} (expected eps >= 0)", options_.eps()));
  }
  if (!(beta1 >= 0.0 && beta1 < 1.0)) {
    throw Error(fmt::format("Adam: invalid beta parameter at index 0: {} (expected 0 <= beta1 < 1)",
                            beta1));
  }
  if (!(beta2 >= 0.0 && beta2 < 1.0)) {
    throw Error(fmt::format("Adam: invalid beta parameter at index 1: {} (expected 0 <= beta2 < 1)",
                            beta2));
  }
  if (!(options_.weight_decay() >= 0.0)) {
    throw Error(fmt::format("Adam: invalid weight_decay value: {} (expected weight_decay >= 0)",
                            options_.weight_decay()));
  }
}

void Adam::step() {
  const auto [beta1, beta2] = options_.betas();
  const float beta1_f = static_cast<float>(beta1), beta2_f = static_cast<float>(beta2);
  const float one_minus_beta1 = static_cast<float>(1.0 - beta1);
  const float one_minus_beta2 = static_cast<float>(1.0 - beta2);
  const float weight_decay = static_cast<float>(options_.weight_decay());
  const float eps = static_cast<float>(options_.eps());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& param = params_[i];
    const Tensor grad_tensor = param.grad();
    if (!grad_tensor.defined()) continue;
    const auto n = static_cast<std::size_t>(param.numel());
    float* p = param.data();
    const float* g = grad_tensor.data();

    State& state = states_[i];
    if (state.step == 0) {  // lazy state, as torch creates it on the first step with a grad
      state.exp_avg.assign(n, 0.0f);
      state.exp_avg_sq.assign(n, 0.0f);
      if (options_.amsgrad()) state.max_exp_avg_sq.assign(n, 0.0f);
    }
    state.step += 1;
    const double step = static_cast<double>(state.step);
    const double bias_correction1 = 1.0 - std::pow(beta1, step);
    const double bias_correction2 = 1.0 - std::pow(beta2, step);
    const float neg_step_size = static_cast<float>(-(options_.lr() / bias_correction1));
    const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));

    float* m = state.exp_avg.data();
    float* v = state.exp_avg_sq.data();
    float* v_max = state.max_exp_avg_sq.data();
    for (std::size_t k = 0; k < n; ++k) {
      // grad = grad.add(param, alpha=weight_decay): a new tensor, p.grad is left alone.
      const float gk = options_.weight_decay() != 0.0 ? std::fma(weight_decay, p[k], g[k]) : g[k];
      m[k] = std::fma(one_minus_beta1, gk, m[k] * beta1_f);        // exp_avg.mul_(β1).add_(g, 1-β1)
      v[k] = std::fma(one_minus_beta2 * gk, gk, v[k] * beta2_f);   // exp_avg_sq.mul_(β2).addcmul_(g, g, 1-β2)
      float second = v[k];
      if (options_.amsgrad()) {
        // torch.maximum(max_exp_avg_sq, exp_avg_sq), which propagates NaN
        if (std::isnan(v[k]) || v[k] > v_max[k]) v_max[k] = v[k];
        second = v_max[k];
      }
      const float denom = std::sqrt(second) / bias_correction2_sqrt + eps;
      p[k] = p[k] + (neg_step_size * m[k]) / denom;  // param.addcdiv_(m, denom, value=-step_size)
    }
  }
}

}  // namespace nnkit::optim
