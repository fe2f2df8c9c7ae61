#pragma once
/// nnkit::nn::Module — torch.nn.Module: parameters and buffers registered under PyTorch's
/// names, child modules in order, recursive train()/eval(), zero_grad(), and printing
/// identical to PyTorch's repr. A module holds its options, parameters and buffers and
/// delegates the arithmetic to nnkit::functional.
///
/// Modules are values whose parameters are Tensor handles: copying a module shares its
/// parameters (like two Python names for one torch module), it does not clone them.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

namespace nnkit::nn {

class Sequential;

/// A (name, tensor) list in registration order, as named_parameters() yields it.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// torch.nn.Module.
class Module {
public:
  virtual ~Module() = default;

  /// The module's computation; `module(x)` calls it.
  virtual Tensor forward(const Tensor& input) = 0;
  Tensor operator()(const Tensor& input) { return forward(input); }

  /// PyTorch's class name ("Linear"), the first word of the repr.
  virtual std::string name() const = 0;
  /// What goes between the parentheses of the repr ("in_features=784, out_features=32, bias=True").
  virtual std::string extra_repr() const { return {}; }

  /// parameters() / named_parameters() with dotted names ("0.weight", "3.bias"), recursive.
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  /// Buffers (BatchNorm's running_mean, running_var, num_batches_tracked), named like torch.
  NamedTensors named_buffers(bool recurse = true) const;
  /// Direct children in registration order, with their names ("0", "1", ...).
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }

  /// train(mode) / eval(), recursively, as torch.
  void train(bool mode = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Zeroes every parameter's gradient (torch 1.13's default, set_to_none=False).
  void zero_grad();
  /// Total number of parameter elements (sum of p.numel()).
  std::int64_t num_parameters() const;

  /// Redraws the initial parameter values from the default generator, children in order
  /// (torch's reset_parameters). Modules without random initial values draw nothing.
  virtual void reset_parameters();

  /// PyTorch's repr: `Linear(in_features=5, out_features=10, bias=True)`, or for a module
  /// with children one `(name): child` line each, indented by two spaces.
  std::string repr() const;

protected:
  /// register_parameter: the tensor becomes a leaf that requires grad.
  Tensor register_parameter(std::string name, Tensor tensor);
  Tensor register_buffer(std::string name, Tensor tensor);
  void register_module(std::string name, std::shared_ptr<Module> module);

  /// Draws the initial values (reset_parameters) and remembers the stretch of the
  /// generator's stream they came from. Constructors of Linear and Conv2d call it, so
  /// that Sequential can restore torch's left-to-right order (see sequential.hpp).
  void initialize_parameters();

  /// Where in the default generator's stream this module's initial values were drawn.
  struct InitSpan {
    Generator::State begin;
    std::uint64_t end;
  };
  std::shared_ptr<const InitSpan> init_span_;

private:
  friend class Sequential;  // reads and redraws its children's init spans
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

/// Prints module.repr().
std::ostream& operator<<(std::ostream& out, const Module& module);

}  // namespace nnkit::nn
