#pragma once
/// nnkit::optim::SGD — torch.optim.SGD (1.13, single-tensor loop): stochastic gradient
/// descent with optional momentum, dampening, Nesterov momentum and L2 weight decay.
#include <vector>

#include <nnkit/optim/optimizer.hpp>

namespace nnkit::optim {

/// Options of SGD with torch's names and defaults; `lr` has no default, as in torch.
/// Chainable like LibTorch: `SGDOptions(0.1).momentum(0.9).nesterov(true)`.
class SGDOptions {
public:
  SGDOptions(double lr) : lr_(lr) {}  // NOLINT: implicit, so `SGD(params, 0.1)` reads like torch

  SGDOptions& lr(double value) { lr_ = value; return *this; }
  SGDOptions& momentum(double value) { momentum_ = value; return *this; }
  SGDOptions& dampening(double value) { dampening_ = value; return *this; }
  SGDOptions& weight_decay(double value) { weight_decay_ = value; return *this; }
  SGDOptions& nesterov(bool value) { nesterov_ = value; return *this; }

  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double dampening() const { return dampening_; }
  double weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }

private:
  double lr_;
  double momentum_ = 0.0;
  double dampening_ = 0.0;
  double weight_decay_ = 0.0;
  bool nesterov_ = false;
};

/// torch.optim.SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False).
/// Per parameter, with g its gradient:
///   g += weight_decay · p;  b = g (first step) or momentum · b + (1 − dampening) · g;
///   g = g + momentum · b (nesterov) or b;  p −= lr · g.
/// Throws nnkit::Error for lr, momentum or weight_decay < 0, and for nesterov without
/// momentum > 0 and dampening == 0 (torch's checks).
class SGD : public Optimizer {
public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  const SGDOptions& options() const { return options_; }

private:
  SGDOptions options_;
  std::vector<std::vector<float>> momentum_buffers_;  // per parameter; empty until its first step
};

}  // namespace nnkit::optim
