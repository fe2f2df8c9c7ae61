// The autograd engine: a topological walk from the root, each node's backward called
// once with the sum of the gradients that reached its output, results added into the
// inputs. Leaves that require grad accumulate into .grad (as torch does across calls);
// intermediate gradients live only for the walk. Each node is released right after its
// backward ran, which frees the activations it saved (torch's retain_graph=False) while
// the walk goes on: memory shrinks as the gradients grow.
//
// A tensor made by an op is identified by its grad_fn (one node per result): the nodes
// reading it each hold their own data-less edge to it (graph_edges), all with that grad_fn.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/tensor_impl.hpp>

namespace nnkit {

/// Builds tensors from impls for the engine (Tensor's constructor is private).
struct TensorAccess {
  static Tensor make(std::shared_ptr<TensorImpl> impl) { return Tensor(std::move(impl)); }
};

namespace {
thread_local bool grad_enabled = true;
// The gradient the engine is handing to a node's backward, when it holds it alone.
thread_local const TensorImpl* donated_gradient = nullptr;

// What identifies a tensor in the graph: its node if an op made it, else itself (a leaf).
const void* graph_key(const Tensor& tensor) {
  const auto& node = tensor.grad_fn();
  return node ? static_cast<const void*>(node.get()) : static_cast<const void*>(tensor.impl().get());
}

void add_into(Tensor& accumulated, const Tensor& incoming) {
  if (!accumulated.defined()) {
    // A fresh gradient nobody else holds (the usual case) is taken as it is; one that
    // shares its storage (a view of grad_output, or returned for two inputs) is copied,
    // since a later add_into writes into it.
    const auto& impl = incoming.impl();
    if (impl.use_count() == 1 && impl->storage.use_count() == 1 && !impl->grad_fn) {
      accumulated = incoming;
    } else {
      accumulated = incoming.detach().clone();
    }
    return;
  }
  float* dst = accumulated.data();
  const float* src = incoming.data();
  for (std::int64_t i = 0, n = accumulated.numel(); i < n; ++i) dst[i] += src[i];
}
}  // namespace

std::vector<Tensor> graph_edges(std::vector<Tensor> inputs) {
  for (Tensor& input : inputs) {
    if (!input.defined() || !input.grad_fn()) continue;
    auto edge = std::make_shared<TensorImpl>();
    edge->shape = input.shape();
    edge->dtype = input.dtype();
    edge->requires_grad = true;
    edge->grad_fn = input.grad_fn();
    input = TensorAccess::make(std::move(edge));
  }
  return inputs;
}

bool is_grad_enabled() { return grad_enabled; }

bool may_reuse_gradient(const Tensor& grad_output) {
  const auto& impl = grad_output.impl();
  return impl && impl.get() == donated_gradient && impl.use_count() == 1 &&
         impl->storage.use_count() == 1;
}

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
  std::vector<const void*> order;
  std::unordered_map<const void*, Tensor> handle;
  std::unordered_set<const void*> visited;
  std::vector<std::pair<Tensor, bool>> stack{{root, false}};
  while (!stack.empty()) {
    auto [tensor, expanded] = stack.back();
    stack.pop_back();
    const void* key = graph_key(tensor);
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
      if (input.defined() && input.requires_grad() && !visited.count(graph_key(input))) {
        stack.push_back({input, false});
      }
    }
  }
  std::reverse(order.begin(), order.end());

  std::unordered_map<const void*, Tensor> pending;
  pending[graph_key(root)] = grad_root.detach();
  for (const void* key : order) {
    // Taken out of the maps: once its node has run, nothing here keeps the tensor or its
    // gradient alive.
    Tensor tensor = std::move(handle[key]);
    handle.erase(key);
    auto node = tensor.grad_fn();
    Tensor grad_output = std::move(pending[key]);
    pending.erase(key);
    if (!grad_output.defined()) {
      node->release();
      continue;
    }
    std::vector<Tensor> input_grads;
    {
      NoGradGuard no_grad;  // gradients are not themselves differentiated
      donated_gradient = grad_output.impl().get();
      try {
        input_grads = node->backward(grad_output);
      } catch (...) {
        donated_gradient = nullptr;
        throw;
      }
      donated_gradient = nullptr;
    }
    grad_output = Tensor();  // a backward may have returned it: now input_grads' alone
    const auto& inputs = node->inputs();
    for (std::size_t i = 0; i < inputs.size() && i < input_grads.size(); ++i) {
      const Tensor& input = inputs[i];
      if (!input.defined() || !input.requires_grad() || !input_grads[i].defined()) continue;
      if (input_grads[i].shape() != input.shape()) {
        throw Error(fmt::format("internal: {} returned a gradient of shape {} for an input of "
                                "shape {}", node->name(), to_string(input_grads[i].shape()),
                                to_string(input.shape())));
      }
      Tensor incoming = std::move(input_grads[i]);
      if (input.is_leaf()) {
        Tensor grad = input.grad();
        add_into(grad, incoming);
        input.set_grad(grad);
      } else {
        add_into(pending[graph_key(input)], incoming);
      }
    }
    node->release();
  }
}

}  // namespace nnkit
