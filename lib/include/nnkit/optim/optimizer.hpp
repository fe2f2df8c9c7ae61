#pragma once
/// nnkit::optim::Optimizer — torch.optim.Optimizer for one parameter group: holds the
/// parameters, zeroes their gradients, and leaves the update rule to `step()`.
/// Optimisers write parameter data in place (like torch's updates under no_grad) and never
/// record graph nodes.
#include <vector>

#include <nnkit/tensor.hpp>

namespace nnkit::optim {

/// torch.optim.Optimizer (single parameter group). Throws nnkit::Error for an empty
/// parameter list (as torch), an undefined or non-leaf tensor (torch: "can't optimize a
/// non-leaf Tensor"), a tensor that does not require grad, or the same tensor twice.
class Optimizer {
public:
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Zeroes every existing gradient in place (torch 1.13's default, set_to_none=False);
  /// with `set_to_none` the gradients become undefined instead.
  void zero_grad(bool set_to_none = false);
  /// One update of every parameter that has a gradient; parameters whose grad is
  /// undefined are skipped, as torch skips `p.grad is None`.
  virtual void step() = 0;

  /// The optimised parameters, in the order given.
  const std::vector<Tensor>& parameters() const { return params_; }

protected:
  std::vector<Tensor> params_;
};

}  // namespace nnkit::optim
