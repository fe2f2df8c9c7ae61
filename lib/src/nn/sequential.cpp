#include <nnkit/nn/sequential.hpp>

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit::nn {

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
  Tensor x = input;
  for (const auto& [child_name, child] : named_children()) x = child->forward(x);
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
