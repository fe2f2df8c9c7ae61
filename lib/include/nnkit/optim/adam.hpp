#pragma once
/// nnkit::optim::Adam — torch.optim.Adam (1.13, single-tensor loop), with optional L2
/// weight decay and AMSGrad.
#include <cstdint>
#include <utility>
#include <vector>

#include <nnkit/optim/optimizer.hpp>

namespace nnkit::optim {

/// Options of Adam with torch's names and defaults, chainable like LibTorch:
/// `AdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).amsgrad(false)`.
class AdamOptions {
public:
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit, so `Adam(params, 0.01)` works

  AdamOptions& lr(double value) { lr_ = value; return *this; }
  AdamOptions& betas(std::pair<double, double> value) { betas_ = value; return *this; }
  AdamOptions& eps(double value) { eps_ = value; return *this; }
  AdamOptions& weight_decay(double value) { weight_decay_ = value; return *this; }
  AdamOptions& amsgrad(bool value) { amsgrad_ = value; return *this; }

  double lr() const { return lr_; }
  const std::pair<double, double>& betas() const { return betas_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool amsgrad() const { return amsgrad_; }

private:
  double lr_;
  std::pair<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  bool amsgrad_ = false;
};

/// torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
/// amsgrad=False). Per parameter, with step t counted per parameter:
///   g += weight_decay · p;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
///   v̂ = max(v̂, v) with amsgrad;  p −= lr / (1 − β1ᵗ) · m / (sqrt(v or v̂) / sqrt(1 − β2ᵗ) + eps).
/// Throws nnkit::Error for lr, eps or weight_decay < 0 and betas outside [0, 1) (torch's checks).
class Adam : public Optimizer {
public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  void step() override;
  const AdamOptions& options() const { return options_; }

private:
  /// torch's per-parameter state: step, exp_avg, exp_avg_sq (, max_exp_avg_sq).
  struct State {
    std::int64_t step = 0;
    std::vector<float> exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  AdamOptions options_;
  std::vector<State> states_;  // per parameter; buffers empty until its first step
};

}  // namespace nnkit::optim
