// Broadcasting helpers shared by the elementwise ops.
#include "broadcast.hpp"

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit::detail {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    // Align from the right, as NumPy and PyTorch do.
    const auto ea = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const auto eb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (ea != eb && ea != 1 && eb != 1) {
      throw Error(fmt::format("{}: shapes {} and {} cannot be broadcast together (size {} vs {} "
                              "at dimension {})", op, to_string(a), to_string(b), ea, eb, i));
    }
    out[i] = ea == 1 ? eb : ea;
  }
  return out;
}

std::vector<std::int64_t> broadcast_offsets(const Shape& shape, const Shape& out_shape) {
  const std::size_t rank = out_shape.size();
  const std::size_t pad = rank - shape.size();
  // Stride of each output dimension in the input; 0 where the input is broadcast.
  std::vector<std::int64_t> stride(rank, 0);
  std::int64_t running = 1;
  for (std::size_t i = rank; i-- > pad;) {
    const auto extent = shape[i - pad];
    stride[i] = extent == 1 ? 0 : running;
    running *= extent;
  }
  const auto total = numel_of(out_shape);
  std::vector<std::int64_t> offsets(total);
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;
  for (std::int64_t flat = 0; flat < total; ++flat) {
    offsets[flat] = offset;
    for (std::size_t d = rank; d-- > 0;) {  // odometer increment
      ++index[d];
      offset += stride[d];
      if (index[d] < out_shape[d]) break;
      offset -= stride[d] * index[d];
      index[d] = 0;
    }
  }
  return offsets;
}

Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  Tensor reduced = Tensor::zeros(shape);
  const auto offsets = broadcast_offsets(shape, grad.shape());
  const float* src = grad.data();
  float* dst = reduced.data();
  for (std::size_t i = 0; i < offsets.size(); ++i) dst[offsets[i]] += src[i];
  return reduced;
}

}  // namespace nnkit::detail
