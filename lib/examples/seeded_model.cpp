// nnkit-seeded-model: the part-2 doc example. After manual_seed(42) nnkit builds the same
// network as torch, prints it the same way, and computes the same numbers:
//   torch: tensor([-0.0675,  0.0238, -0.0057], grad_fn=<AddBackward0>)
#include <iostream>

#include <nnkit/nnkit.hpp>

int main() {
  using namespace nnkit;
  manual_seed(42);
  nn::Sequential model(nn::Linear(5, 10), nn::ReLU(), nn::Linear(10, 3));
  std::cout << model << "\n";
  const Tensor x = rand({5});
  std::cout << "x = rand(5)  -> " << x << "\n";
  std::cout << "model(x)     -> " << model(x) << "\n";
  std::cout << "parameters   -> " << model.num_parameters() << "\n";
  return 0;
}
