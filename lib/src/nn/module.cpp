// Module bookkeeping: registration, recursive walks, train/eval, and PyTorch's repr.
#include <nnkit/nn/module.hpp>

#include <ostream>

#include <nnkit/error.hpp>

namespace nnkit::nn {

namespace {

void collect(const Module& module, const std::string& prefix, bool recurse, bool buffers,
             NamedTensors& out, const NamedTensors& own) {
  for (const auto& [name, tensor] : own) out.emplace_back(prefix + name, tensor);
  if (!recurse) return;
  for (const auto& [child_name, child] : module.named_children()) {
    auto nested = buffers ? child->named_buffers(true) : child->named_parameters(true);
    for (auto& [name, tensor] : nested) out.emplace_back(prefix + child_name + "." + name, tensor);
  }
}

// torch.nn.modules.module._addindent: every line after the first gets `spaces` more.
std::string add_indent(const std::string& text, int spaces) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(spaces, ' ');
  }
  return out;
}

}  // namespace

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect(*this, "", recurse, false, out, parameters_);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect(*this, "", recurse, true, out, buffers_);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_parameters(recurse)) out.push_back(tensor);
  return out;
}

void Module::train(bool mode) {
  training_ = mode;
  for (auto& [name, child] : children_) child->train(mode);
}

void Module::zero_grad() {
  for (auto& parameter : parameters()) {
    Tensor grad = parameter.grad();
    if (grad.defined()) std::fill_n(grad.data(), grad.numel(), 0.0f);
  }
}

std::int64_t Module::num_parameters() const {
  std::int64_t count = 0;
  for (auto& parameter : parameters()) count += parameter.numel();
  return count;
}

Tensor Module::register_parameter(std::string name, Tensor tensor) {
  if (!tensor.is_leaf()) {
    throw Error("register_parameter(\"" + name + "\"): a parameter must be a leaf tensor; pass "
                "a detached tensor");
  }
  tensor.requires_grad_(true);
  parameters_.emplace_back(std::move(name), tensor);
  return tensor;
}

Tensor Module::register_buffer(std::string name, Tensor tensor) {
  buffers_.emplace_back(std::move(name), tensor);
  return tensor;
}

void Module::register_module(std::string name, std::shared_ptr<Module> module) {
  if (!module) throw Error("register_module(\"" + name + "\"): null module");
  children_.emplace_back(std::move(name), std::move(module));
}

void Module::reset_parameters() {
  for (auto& [name, child] : children_) child->reset_parameters();
}

void Module::initialize_parameters() {
  auto& generator = default_generator();
  Generator::State begin = generator.get_state();
  reset_parameters();
  init_span_ = std::make_shared<const InitSpan>(InitSpan{std::move(begin), generator.draws()});
}

std::string Module::repr() const {
  std::string text = name() + "(" + extra_repr();
  if (!children_.empty()) {
    for (const auto& [child_name, child] : children_) {
      text += "\n  (" + child_name + "): " + add_indent(child->repr(), 2);
    }
    text += "\n";
  }
  return text + ")";
}

std::ostream& operator<<(std::ostream& out, const Module& module) { return out << module.repr(); }

}  // namespace nnkit::nn
