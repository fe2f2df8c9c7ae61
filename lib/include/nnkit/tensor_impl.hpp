#pragma once
/// What a Tensor handle points at. Internal to nnkit's ops; users go through Tensor.
#include <memory>
#include <vector>

#include <nnkit/memory/caching_allocator.hpp>
#include <nnkit/tensor.hpp>

namespace nnkit {

/// The values of a tensor and its views, from the block cache (uninitialised when made
/// with a size alone).
using Storage = memory::Buffer<float>;

/// Storage shared by a tensor and its views; shape, dtype and autograd state per view.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Dtype dtype = Dtype::Float32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient (leaves), same shape
  std::shared_ptr<Node> grad_fn;     // null for leaves
};

}  // namespace nnkit
