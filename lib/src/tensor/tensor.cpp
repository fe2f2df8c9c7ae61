// Tensor construction, accessors, views and conversions. Arithmetic lives in src/ops/.
#include <nnkit/tensor.hpp>

#include <algorithm>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/tensor_impl.hpp>

namespace nnkit {

std::string to_string(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::int64_t numel_of(const Shape& shape) {
  std::int64_t count = 1;
  for (auto extent : shape) {
    if (extent < 0) throw Error(fmt::format("shape {} has a negative size", to_string(shape)));
    count *= extent;
  }
  return count;
}

namespace {

// A tensor of `shape`, filled with `fill` or, without one, uninitialised (torch.empty).
std::shared_ptr<TensorImpl> make_impl(const Shape& shape, Dtype dtype, std::optional<float> fill) {
  auto impl = std::make_shared<TensorImpl>();
  const auto count = static_cast<std::size_t>(numel_of(shape));
  impl->storage = fill ? std::make_shared<Storage>(count, *fill) : std::make_shared<Storage>(count);
  impl->shape = shape;
  impl->dtype = dtype;
  return impl;
}

const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  if (!impl) throw Error("operation on an undefined Tensor (default-constructed, never assigned)");
  return *impl;
}

}  // namespace

Tensor::Tensor(const xt::xarray<float>& values, bool requires_grad) {
  Shape shape(values.shape().begin(), values.shape().end());
  impl_ = make_impl(shape, Dtype::Float32, std::nullopt);
  std::copy(values.begin(), values.end(), impl_->storage->begin());
  impl_->requires_grad = requires_grad;
}

Tensor Tensor::empty(const Shape& shape, Dtype dtype) { return Tensor(make_impl(shape, dtype, std::nullopt)); }
Tensor Tensor::zeros(const Shape& shape, Dtype dtype) { return Tensor(make_impl(shape, dtype, 0.0f)); }
Tensor Tensor::ones(const Shape& shape) { return Tensor(make_impl(shape, Dtype::Float32, 1.0f)); }
Tensor Tensor::full(const Shape& shape, float value) {
  return Tensor(make_impl(shape, Dtype::Float32, value));
}
Tensor Tensor::scalar(float value) { return full({}, value); }

Tensor Tensor::from_vector(const Shape& shape, std::vector<float> values, Dtype dtype) {
  if (static_cast<std::int64_t>(values.size()) != numel_of(shape)) {
    throw Error(fmt::format("Tensor::from_vector: shape {} needs {} values, got {}",
                            to_string(shape), numel_of(shape), values.size()));
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(values.begin(), values.end());
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(impl);
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
std::int64_t Tensor::dim() const { return static_cast<std::int64_t>(shape().size()); }
std::int64_t Tensor::numel() const { return numel_of(shape()); }
Dtype Tensor::dtype() const { return checked(impl_).dtype; }

std::int64_t Tensor::size(std::int64_t dim) const {
  const auto rank = this->dim();
  const auto wrapped = dim < 0 ? dim + rank : dim;
  if (wrapped < 0 || wrapped >= rank) {
    throw Error(fmt::format("Tensor::size: dimension {} out of range for a tensor of shape {} "
                            "(expected -{}..{})", dim, to_string(shape()), rank, rank - 1));
  }
  return shape()[wrapped];
}

namespace {

// A graph edge (autograd/node.hpp: graph_edges) has a shape but no values.
Storage& values(const std::shared_ptr<TensorImpl>& impl) {
  const TensorImpl& t = checked(impl);
  if (!t.storage) {
    throw Error(fmt::format("data() of a graph edge: the tensor of shape {} seen from its "
                            "consumer's grad_fn.inputs() keeps no values (use the tensor itself)",
                            to_string(t.shape)));
  }
  return *t.storage;
}

}  // namespace

float* Tensor::data() { return values(impl_).data(); }
const float* Tensor::data() const { return values(impl_).data(); }

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool requires_grad) {
  checked(impl_);
  if (impl_->grad_fn && !requires_grad) {
    throw Error("requires_grad_(false) on a non-leaf tensor: use detach() to get a tensor "
                "without gradient");
  }
  impl_->requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const { return checked(impl_).grad ? Tensor(impl_->grad) : Tensor(); }
void Tensor::set_grad(const Tensor& grad) const {
  checked(impl_);
  if (grad.defined() && grad.shape() != impl_->shape) {
    throw Error(fmt::format("set_grad: gradient of shape {} for a tensor of shape {}",
                            to_string(grad.shape()), to_string(impl_->shape)));
  }
  impl_->grad = grad.impl_;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }
bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }

void Tensor::set_grad_fn(std::shared_ptr<Node> node) const {
  checked(impl_);
  impl_->grad_fn = std::move(node);
  impl_->requires_grad = impl_->grad_fn != nullptr || impl_->requires_grad;
}

void Tensor::backward() const {
  if (numel() != 1) {
    throw Error(fmt::format("backward() without a gradient needs a one-element tensor (a loss), "
                            "got shape {}; pass backward(gradient) or reduce first (sum/mean)",
                            to_string(shape())));
  }
  run_backward(*this, Tensor::ones(shape()));
}

void Tensor::backward(const Tensor& gradient) const {
  if (gradient.shape() != shape()) {
    throw Error(fmt::format("backward(gradient): gradient has shape {}, the tensor has shape {}",
                            to_string(gradient.shape()), to_string(shape())));
  }
  run_backward(*this, gradient);
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = checked(impl_).storage;
  impl->shape = impl_->shape;
  impl->dtype = impl_->dtype;
  return Tensor(impl);
}

Tensor Tensor::clone() const {
  Tensor copy = Tensor::empty(shape(), dtype());
  const Storage& source = values(impl_);
  std::copy(source.begin(), source.end(), copy.data());
  return record(copy, "CloneBackward0", {*this}, [](const Tensor& g) {
    return std::vector<Tensor>{g};
  });
}

float Tensor::item() const {
  if (numel() != 1) {
    throw Error(fmt::format("item(): a tensor with {} elements (shape {}) cannot be converted "
                            "to a scalar; expected exactly one element", numel(), to_string(shape())));
  }
  return values(impl_)[0];
}

xt::xarray<float> Tensor::to_xarray() const {
  std::vector<std::size_t> xshape(shape().begin(), shape().end());
  xt::xarray<float> values = xt::xarray<float>::from_shape(xshape);
  std::copy(data(), data() + numel(), values.begin());
  return values;
}

Tensor Tensor::reshape(const Shape& requested) const {
  Shape resolved = requested;
  std::int64_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    if (resolved[i] == -1) {
      if (inferred >= 0) throw Error(fmt::format("reshape {}: only one dimension can be -1", to_string(requested)));
      inferred = static_cast<int>(i);
    } else if (resolved[i] < 0) {
      throw Error(fmt::format("reshape {}: invalid size {}", to_string(requested), resolved[i]));
    } else {
      known *= resolved[i];
    }
  }
  if (inferred >= 0 && known != 0 && numel() % known == 0) resolved[inferred] = numel() / known;
  if (numel_of(resolved) != numel() || (inferred >= 0 && known == 0)) {
    throw Error(fmt::format("shape {} is invalid for input of size {} (shape {})",
                            to_string(requested), numel(), to_string(shape())));
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = resolved;
  impl->dtype = impl_->dtype;
  Tensor view(impl);
  const Shape original = shape();
  return record(view, "ViewBackward0", {*this}, [original](const Tensor& g) {
    return std::vector<Tensor>{g.reshape(original)};
  });
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  const auto rank = dim();
  if (rank == 0) return reshape({1});
  const auto start = start_dim < 0 ? start_dim + rank : start_dim;
  const auto end = end_dim < 0 ? end_dim + rank : end_dim;
  if (start < 0 || end >= rank || start > end) {
    throw Error(fmt::format("flatten(start_dim={}, end_dim={}) on a tensor of shape {}: dims out of "
                            "range or start after end", start_dim, end_dim, to_string(shape())));
  }
  Shape flat(shape().begin(), shape().begin() + start);
  std::int64_t merged = 1;
  for (auto d = start; d <= end; ++d) merged *= shape()[d];
  flat.push_back(merged);
  flat.insert(flat.end(), shape().begin() + end + 1, shape().end());
  return reshape(flat);
}

std::vector<Tensor> Tensor::split(std::int64_t split_size) const {
  if (dim() == 0) throw Error("split: cannot split a 0-d tensor");
  if (split_size <= 0) {
    throw Error(fmt::format("split: split_size must be positive, got {}", split_size));
  }
  std::vector<Tensor> chunks;
  const auto rows = shape()[0];
  for (std::int64_t begin = 0; begin < rows; begin += split_size) {
    std::vector<std::int64_t> index(std::min(split_size, rows - begin));
    std::iota(index.begin(), index.end(), begin);
    chunks.push_back(index_select(index));
  }
  return chunks;
}

Tensor Tensor::index_select(const std::vector<std::int64_t>& index) const {
  if (dim() == 0) throw Error("index_select: cannot index a 0-d tensor");
  const auto rows = shape()[0];
  const auto row_size = rows ? numel() / rows : 0;
  Shape out_shape = shape();
  out_shape[0] = static_cast<std::int64_t>(index.size());
  Tensor out = Tensor::empty(out_shape, dtype());
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= rows) {
      throw Error(fmt::format("index_select: index {} out of range for dimension 0 of size {}",
                              index[i], rows));
    }
    std::copy_n(data() + index[i] * row_size, row_size, out.data() + i * row_size);
  }
  const Shape in_shape = shape();
  return record(out, "IndexSelectBackward0", {*this}, [index, in_shape, row_size](const Tensor& g) {
    Tensor grad = Tensor::zeros(in_shape);
    for (std::size_t i = 0; i < index.size(); ++i) {
      const float* src = g.data() + i * row_size;
      float* dst = grad.data() + index[i] * row_size;
      for (std::int64_t j = 0; j < row_size; ++j) dst[j] += src[j];
    }
    return std::vector<Tensor>{grad};
  });
}

Tensor Tensor::to_float() const {
  if (dtype() == Dtype::Float32) return *this;
  Tensor out = detach().clone();
  out.impl_->dtype = Dtype::Float32;
  return out;
}

}  // namespace nnkit
