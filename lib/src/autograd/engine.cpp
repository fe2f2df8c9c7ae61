// The autograd engine: a topological walk from the root, each node's backward called
// once with the sum of the gradients that reached its output, results added into the
// inputs. Leaves that require grad accumulate into .grad (as torch does across calls);
// intermediate gradients live only for the walk. Nodes are released afterwards, which
// frees the activations they saved (torch's retain_graph=False).
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/tensor_impl.hpp>

namespace nnkit {

namespace {
thread_local bool grad_enabled = true;

void add_into(Tensor& accumulated, const Tensor& incoming) {
  if (!accumulated.defined()) {
    accumulated = incoming.detach().clone();
    return;
  }
  float* dst = accumulated.data();
  const float* src = incoming.data();
  for (std::int64_t i = 0, n = accumulated.numel(); i < n; ++i) dst[i] += src[i];
}
}  // namespace

bool is_grad_enabled() { return grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!grad_enabled) return false;
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const Tensor& t) { return t.defined() && t.requires_grad(); });
}

Tensor attach(Tensor output, std::shared_ptr<Node> node) {
  if (needs_grad(node->inputs())) output.set_grad_fn(std::move(node));
  return output;
}

void run_backward(const Tensor& root, const Tensor& grad_root) {
  if (!root.requires_grad()) {
    throw Error("backward(): the tensor does not require grad and has no grad_fn; did you build "
                "it under NoGradGuard, or from tensors without requires_grad?");
  }
  // Reverse topological order over the tensors that have a grad_fn.
  std::vector<TensorImpl*> order;
  std::unordered_map<TensorImpl*, Tensor> handle;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<Tensor, bool>> stack{{root, false}};
  while (!stack.empty()) {
    auto [tensor, expanded] = stack.back();
    stack.pop_back();
    TensorImpl* key = tensor.impl().get();
    if (expanded) {
      order.push_back(key);
      continue;
    }
    if (!visited.insert(key).second) continue;
    handle[key] = tensor;
    const auto& node = tensor.grad_fn();
    if (!node) continue;
    if (node->released()) {
      throw Error(fmt::format("backward(): trying to backward through the graph a second time "
                              "(through {}); its saved tensors were freed after the first "
                              "backward", node->name()));
    }
    stack.push_back({tensor, true});
    for (const auto& input : node->inputs()) {
      if (input.defined() && input.requires_grad() && !visited.count(input.impl().get())) {
        stack.push_back({input, false});
      }
    }
  }
  std::reverse(order.begin(), order.end());

  std::unordered_map<TensorImpl*, Tensor> pending;
  pending[root.impl().get()] = grad_root.detach();
  for (TensorImpl* key : order) {
    Tensor tensor = handle[key];
    auto node = tensor.grad_fn();
    Tensor grad_output = pending[key];
    pending.erase(key);
    if (!grad_output.defined()) continue;
    std::vector<Tensor> input_grads;
    {
      NoGradGuard no_grad;  // gradients are not themselves differentiated
      input_grads = node->backward(grad_output);
    }
    const auto& inputs = node->inputs();
    for (std::size_t i = 0; i < inputs.size() && i < input_grads.size(); ++i) {
      const Tensor& input = inputs[i];
      if (!input.defined() || !input.requires_grad() || !input_grads[i].defined()) continue;
      if (input_grads[i].shape() != input.shape()) {
        throw Error(fmt::format("internal: {} returned a gradient of shape {} for an input of "
                                "shape {}", node->name(), to_string(input_grads[i].shape()),
                                to_string(input.shape())));
      }
      if (input.is_leaf()) {
        Tensor grad = input.grad();
        add_into(grad, input_grads[i]);
        input.set_grad(grad);
      } else {
        add_into(pending[input.impl().get()], input_grads[i]);
      }
    }
    node->release();
  }
}

}  // namespace nnkit
