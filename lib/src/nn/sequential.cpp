#include <nnkit/nn/sequential.hpp>

#include <typeinfo>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/batch_norm.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/dropout.hpp>
#include <nnkit/nn/pooling.hpp>

namespace nnkit::nn {

namespace {

using Children = std::vector<std::pair<std::string, std::shared_ptr<Module>>>;

// The Conv2d starting a Conv2d, ReLU, MaxPool2d(2) run at `index`, or null. Exact types
// only: a subclass may override forward, and then its own forward must run.
Conv2d* conv_relu_max_pool2d_at(const Children& children, std::size_t index) {
  if (index + 2 >= children.size()) return nullptr;
  Module& conv = *children[index].second;
  Module& relu = *children[index + 1].second;
  Module& pool = *children[index + 2].second;
  if (typeid(conv) != typeid(Conv2d) || typeid(relu) != typeid(ReLU) ||
      typeid(pool) != typeid(MaxPool2d)) {
    return nullptr;
  }
  const auto& max_pool = static_cast<const MaxPool2d&>(pool);
  if (max_pool.kernel_size != 2 || max_pool.stride != 2 || max_pool.padding != 0) return nullptr;
  return static_cast<Conv2d*>(&conv);
}

// The BatchNorm2d starting a BatchNorm2d, Dropout run at `index` whose Dropout is in
// training mode (in eval it returns its input: nothing to fuse) with a valid p (a p set out
// of range after construction fails in the unfused chain, as it would without fusion), or
// null; exact types only.
BatchNorm2d* batch_norm_dropout_at(const Children& children, std::size_t index) {
  if (index + 1 >= children.size()) return nullptr;
  Module& batch_norm = *children[index].second;
  Module& dropout = *children[index + 1].second;
  if (typeid(batch_norm) != typeid(BatchNorm2d) || typeid(dropout) != typeid(Dropout) ||
      !dropout.is_training()) {
    return nullptr;
  }
  const double p = static_cast<const Dropout&>(dropout).p;
  if (!(p >= 0.0 && p <= 1.0)) return nullptr;
  return static_cast<BatchNorm2d*>(&batch_norm);
}

}  // namespace

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
}

void Sequential::redraw_in_argument_order() {
  std::vector<Module*> drawn;  // children that drew initial values, in argument order
  for (const auto& [child_name, child] : named_children()) {
    if (child->init_span_) drawn.push_back(child.get());
  }
  if (drawn.empty()) return;
  const InitSpan* earliest = drawn.front()->init_span_.get();
  std::uint64_t latest_end = 0, total = 0;
  bool in_order = true;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const InitSpan& span = *drawn[i]->init_span_;
    if (span.begin.draws < earliest->begin.draws) earliest = &span;
    latest_end = std::max(latest_end, span.end);
    total += span.end - span.begin.draws;
    if (i > 0 && span.begin.draws != drawn[i - 1]->init_span_->end) in_order = false;
  }
  auto& generator = default_generator();
  if (!in_order) {
    const bool only_these_draws = total == latest_end - earliest->begin.draws &&
                                  generator.draws() == latest_end;
    if (!only_these_draws) return;  // something else drew in between: leave the values be
    generator.set_state(earliest->begin);
    for (Module* child : drawn) child->initialize_parameters();
  }
  // The whole Sequential now counts as one stretch, for a Sequential nested in another.
  init_span_ = std::make_shared<const InitSpan>(
      InitSpan{drawn.front()->init_span_->begin, drawn.back()->init_span_->end});
}

Tensor Sequential::forward(const Tensor& input) {
  const auto& children = named_children();
  Tensor x = input;
  for (std::size_t i = 0; i < children.size(); ++i) {
    // A CNN block's Conv2d, ReLU, MaxPool2d(2) in one pass: the same bits, without the two
    // full-resolution tensors in between (functional::conv2d_relu_max_pool2d).
    if (Conv2d* conv = conv_relu_max_pool2d_at(children, i)) {
      x = conv->forward_relu_max_pool2d(x);
      i += 2;
      continue;
    }
    // A BatchNorm2d and a training Dropout in one pass: the same bits, without storing the
    // normalised tensor (functional::batch_norm_dropout).
    if (BatchNorm2d* batch_norm = batch_norm_dropout_at(children, i)) {
      x = batch_norm->forward_dropout(x, static_cast<const Dropout&>(*children[i + 1].second).p);
      i += 1;
      continue;
    }
    x = children[i].second->forward(x);
  }
  return x;
}

Module& Sequential::operator[](std::size_t index) const {
  if (index >= size()) {
    throw Error(fmt::format("Sequential: index {} is out of range (the model has {} modules, "
                            "indices 0..{})", index, size(), size() == 0 ? 0 : size() - 1));
  }
  return *named_children()[index].second;
}

void Sequential::throw_wrong_type(std::size_t index, const char* wanted) const {
  throw Error(fmt::format("Sequential::at<{}>({}): module {} is a {}", wanted, index, index,
                          (*this)[index].name()));
}

}  // namespace nnkit::nn
