#pragma once
/// nn.Sequential(m0, m1, ...): applies its children in order; children are named
/// "0", "1", ... so parameters read "0.weight", "2.bias" as in torch.
///
///   nn::Sequential model(nn::Linear(784, 32), nn::ReLU(), nn::Linear(32, 10));
///   Tensor logits = model(x);                  // [N, 784] -> [N, 10]
///   auto& first = model.at<nn::Linear>(0);     // typed access to a child
///
/// Seeding: C++ leaves the evaluation order of constructor arguments unspecified (g++
/// builds the last Linear first), so the modules above may draw their initial weights
/// in the wrong order. Python evaluates left to right; to give torch's exact weights the
/// variadic constructor rewinds the generator to where the first draw began and redraws
/// every child's initial values left to right. It does so only when the children's draws
/// are the only ones in that stretch of the stream (nothing else drew in between).
#include <concepts>
#include <memory>
#include <type_traits>

#include <nnkit/nn/module.hpp>

namespace nnkit::nn {

class Sequential : public Module {
public:
  Sequential() = default;

  /// Takes modules by value (they are moved into shared ownership).
  template <class... Modules>
    requires(sizeof...(Modules) >= 1 &&
             (std::derived_from<std::decay_t<Modules>, Module> && ...) &&
             !(sizeof...(Modules) == 1 && (std::same_as<std::decay_t<Modules>, Sequential> && ...)))
  explicit Sequential(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
    redraw_in_argument_order();
  }

  /// Appends a module under the next index.
  template <class M>
    requires std::derived_from<std::decay_t<M>, Module>
  void push_back(M&& module) {
    push_back(std::shared_ptr<Module>(std::make_shared<std::decay_t<M>>(std::forward<M>(module))));
  }
  void push_back(std::shared_ptr<Module> module);

  /// The children in order. Two runs of children go through one fused pass instead, with
  /// the same floats and draws as child by child: Conv2d, ReLU, MaxPool2d(2)
  /// (Conv2d::forward_relu_max_pool2d) and BatchNorm2d, Dropout in training
  /// (BatchNorm2d::forward_dropout); exact types only, so a subclass's forward still runs.
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Sequential"; }

  std::size_t size() const { return named_children().size(); }
  /// model[i], like indexing a torch Sequential; throws on a bad index.
  Module& operator[](std::size_t index) const;
  /// model[i] as its concrete type; throws nnkit::Error naming both types on a mismatch.
  template <class M>
  M& at(std::size_t index) const {
    auto* typed = dynamic_cast<M*>(&(*this)[index]);
    if (!typed) throw_wrong_type(index, typeid(M).name());
    return *typed;
  }

private:
  void redraw_in_argument_order();
  [[noreturn]] void throw_wrong_type(std::size_t index, const char* wanted) const;
};

}  // namespace nnkit::nn
