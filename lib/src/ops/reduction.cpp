// Reductions (sum, mean, argmax) and comparisons on Tensors.
#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>

#include "broadcast.hpp"

namespace nnkit {

namespace {

std::int64_t wrap_dim(std::int64_t dim, std::int64_t rank, const char* op, const Shape& shape) {
  const auto wrapped = dim < 0 ? dim + rank : dim;
  if (wrapped < 0 || wrapped >= rank) {
    throw Error(fmt::format("{}: dim {} out of range for a tensor of shape {} (expected -{}..{})",
                            op, dim, to_string(shape), rank, rank - 1));
  }
  return wrapped;
}

// View of `shape` around `dim` as [outer, extent, inner].
struct Around {
  std::int64_t outer = 1, extent = 1, inner = 1;
};
Around split_around(const Shape& shape, std::int64_t dim) {
  Around a;
  for (std::int64_t d = 0; d < dim; ++d) a.outer *= shape[d];
  a.extent = shape[dim];
  for (std::size_t d = dim + 1; d < shape.size(); ++d) a.inner *= shape[d];
  return a;
}

Shape reduced_shape(const Shape& shape, std::int64_t dim, bool keepdim) {
  Shape out = shape;
  if (keepdim) out[dim] = 1;
  else out.erase(out.begin() + dim);
  return out;
}

}  // namespace

Tensor Tensor::sum() const {
  double total = 0.0;  // accumulate in double: torch's CPU sum is more exact than a float loop
  const float* p = data();
  for (std::int64_t i = 0, n = numel(); i < n; ++i) total += p[i];
  Tensor out = Tensor::scalar(static_cast<float>(total));
  const Shape in_shape = shape();
  return record(out, "SumBackward0", {*this}, [in_shape](const Tensor& g) {
    return std::vector<Tensor>{Tensor::full(in_shape, g.item())};
  });
}

Tensor Tensor::mean() const {
  if (numel() == 0) throw Error("mean(): the tensor is empty (shape " + to_string(shape()) + ")");
  double total = 0.0;
  const float* p = data();
  for (std::int64_t i = 0, n = numel(); i < n; ++i) total += p[i];
  Tensor out = Tensor::scalar(static_cast<float>(total / static_cast<double>(numel())));
  const Shape in_shape = shape();
  const float count = static_cast<float>(numel());
  return record(out, "MeanBackward0", {*this}, [in_shape, count](const Tensor& g) {
    return std::vector<Tensor>{Tensor::full(in_shape, g.item() / count)};
  });
}

Tensor Tensor::sum(std::int64_t dim, bool keepdim) const {
  const auto d = wrap_dim(dim, this->dim(), "sum", shape());
  const auto a = split_around(shape(), d);
  Tensor out = Tensor::zeros(reduced_shape(shape(), d, keepdim));
  const float* p = data();
  float* o = out.data();
  for (std::int64_t i = 0; i < a.outer; ++i)
    for (std::int64_t j = 0; j < a.extent; ++j)
      for (std::int64_t k = 0; k < a.inner; ++k) o[i * a.inner + k] += p[(i * a.extent + j) * a.inner + k];
  const Shape in_shape = shape();
  const Shape kept = reduced_shape(shape(), d, true);
  return record(out, "SumBackward1", {*this}, [in_shape, kept](const Tensor& g) {
    return std::vector<Tensor>{g.reshape(kept) + Tensor::zeros(in_shape)};
  });
}

Tensor Tensor::mean(std::int64_t dim, bool keepdim) const {
  const auto d = wrap_dim(dim, this->dim(), "mean", shape());
  if (shape()[d] == 0) throw Error("mean(dim): reducing over an empty dimension");
  return sum(d, keepdim) / static_cast<float>(shape()[d]);
}

Tensor Tensor::argmax(std::int64_t dim) const {
  const auto d = wrap_dim(dim, this->dim(), "argmax", shape());
  const auto a = split_around(shape(), d);
  if (a.extent == 0) throw Error("argmax: cannot take the argmax of an empty dimension");
  Tensor out = Tensor::empty(reduced_shape(shape(), d, false), Dtype::Int64);
  const float* p = data();
  float* o = out.data();
  for (std::int64_t i = 0; i < a.outer; ++i) {
    for (std::int64_t k = 0; k < a.inner; ++k) {
      std::int64_t best = 0;
      float best_value = p[i * a.extent * a.inner + k];
      for (std::int64_t j = 1; j < a.extent; ++j) {
        const float v = p[(i * a.extent + j) * a.inner + k];
        if (v > best_value || (v != v && best_value == best_value)) {  // NaN wins, as in torch
          best_value = v;
          best = j;
        }
      }
      o[i * a.inner + k] = static_cast<float>(best);
    }
  }
  return out;
}

Tensor Tensor::eq(const Tensor& other) const {
  const Shape out_shape = detail::broadcast_shapes(shape(), other.shape(), "eq");
  Tensor out = Tensor::empty(out_shape);
  const auto oa = detail::broadcast_offsets(shape(), out_shape);
  const auto ob = detail::broadcast_offsets(other.shape(), out_shape);
  const float* pa = data();
  const float* pb = other.data();
  float* o = out.data();
  for (std::size_t i = 0; i < oa.size(); ++i) o[i] = pa[oa[i]] == pb[ob[i]] ? 1.0f : 0.0f;
  return out;
}

}  // namespace nnkit
