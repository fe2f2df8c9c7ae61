#pragma once
/// One node of the autograd graph: the backward of the op that made a tensor.
/// As in micrograd, a node only maps d(loss)/d(output) to d(loss)/d(each input); the
/// engine (autograd/engine.hpp) walks nodes in reverse topological order and adds
/// the returned gradients into the inputs.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nnkit/tensor.hpp>

namespace nnkit {

/// The graph edges a node keeps for `inputs`: leaves as they are (their .grad is
/// accumulated), a tensor made by an op as a handle with its shape and grad_fn but without
/// its data. A node thus never keeps an input's values alive; what its backward needs it
/// saves itself (as torch's SavedVariable), so a conv output that only a ReLU reads is
/// freed as soon as the ReLU has run.
std::vector<Tensor> graph_edges(std::vector<Tensor> inputs);

/// Base of every backward node (torch's `grad_fn`, e.g. `<AddmmBackward0>`).
class Node {
public:
  Node(std::string name, std::vector<Tensor> inputs)
      : name_(std::move(name)), inputs_(graph_edges(std::move(inputs))) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// d(loss)/d(input_i) for every input, given d(loss)/d(output) of the output's shape.
  /// An entry may be undefined when that input needs no gradient.
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;

  /// The inputs this node differentiates with respect to, in order (graph edges: an
  /// input made by an op has no data here, see graph_edges).
  const std::vector<Tensor>& inputs() const { return inputs_; }
  /// PyTorch's class name of the node, e.g. "AddmmBackward0".
  const std::string& name() const { return name_; }
  /// Frees what the node saved for backward (torch frees it after backward unless
  /// retain_graph); a second backward through it then throws.
  virtual void release() { inputs_.clear(); released_ = true; }
  bool released() const { return released_; }

protected:
  std::string name_;
  std::vector<Tensor> inputs_;
  bool released_ = false;
};

/// A node whose backward is given as a lambda; handy for small ops.
template <class BackwardFn>
class LambdaNode final : public Node {
public:
  LambdaNode(std::string name, std::vector<Tensor> inputs, BackwardFn fn)
      : Node(std::move(name), std::move(inputs)), fn_(std::move(fn)) {}
  std::vector<Tensor> backward(const Tensor& grad_output) override { return (*fn_)(grad_output); }
  void release() override {
    Node::release();
    fn_.reset();  // drops the tensors the lambda captured
  }

private:
  std::optional<BackwardFn> fn_;
};

/// Whether gradients are being recorded on this thread (torch.is_grad_enabled()).
bool is_grad_enabled();

/// torch.no_grad(): while alive, ops record no graph.
class NoGradGuard {
public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
  bool previous_;
};

/// Should an op whose inputs are `inputs` record a node? (grad mode on and some input
/// requires grad).
bool needs_grad(const std::vector<Tensor>& inputs);

/// Makes `output` the result of `node` in the graph when `needs_grad(node->inputs())`.
/// Returns `output` for chaining. Ops call this once per result.
Tensor attach(Tensor output, std::shared_ptr<Node> node);

/// Convenience: `record(output, "MulBackward0", {a, b}, [=](const Tensor& g) {...})`.
template <class BackwardFn>
Tensor record(Tensor output, std::string name, std::vector<Tensor> inputs, BackwardFn fn) {
  if (!needs_grad(inputs)) return output;
  return attach(std::move(output),
                std::make_shared<LambdaNode<BackwardFn>>(std::move(name), std::move(inputs),
                                                         std::move(fn)));
}

/// Whether a backward may overwrite `grad_output` and return it as an input's gradient:
/// true only while the engine runs the node and holds that gradient alone (nothing else
/// can see it afterwards). Elementwise backwards (ReLU, dropout) use it to save a
/// full-size allocation per step.
bool may_reuse_gradient(const Tensor& grad_output);

/// Runs backward from `root` with upstream gradient `grad_root` (engine.cpp).
void run_backward(const Tensor& root, const Tensor& grad_root);

}  // namespace nnkit
