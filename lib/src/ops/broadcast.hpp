#pragma once
// PyTorch broadcasting for elementwise ops: the result shape, and walking the result
// while knowing the matching element of each operand. Internal to src/ops.
#include <cstdint>
#include <vector>

#include <nnkit/tensor.hpp>

namespace nnkit::detail {

/// The broadcast shape of a and b, or nnkit::Error naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

/// For each element of `out_shape` (row-major), the offset of the element of a tensor of
/// `shape` that broadcasts onto it.
std::vector<std::int64_t> broadcast_offsets(const Shape& shape, const Shape& out_shape);

/// Sums a gradient of the broadcast shape back onto `shape` (the input's shape).
Tensor sum_to_shape(const Tensor& grad, const Shape& shape);

}  // namespace nnkit::detail
