#pragma once
/// nnkit::Tensor — a cheap shared handle to a contiguous row-major float32 array, with
/// what autograd needs (requires_grad, grad, the node that made it). Mirrors torch.Tensor
/// for the parts the assignment touches; semantics are PyTorch 1.13's.
///
/// Copying a Tensor copies the handle, not the data (like Python references to one
/// torch.Tensor). `clone()` copies the data. Views (`reshape`, `view`, `detach`) share
/// storage with their base, as in PyTorch.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

namespace nnkit {

/// A tensor's shape, outermost dimension first (torch.Size).
using Shape = std::vector<std::int64_t>;

/// Element type. Storage is always float32; Int64 marks integer results (argmax, class
/// indices) so they print and compare like torch.int64 — exact up to 2^24.
enum class Dtype { Float32, Int64 };

class Node;
struct TensorImpl;

/// torch.Tensor: float32, contiguous, any rank (0-d scalars included).
class Tensor {
public:
  /// An undefined tensor (like a default-constructed torch::Tensor); `defined()` is false.
  Tensor() = default;
  /// torch.tensor(values): copies an xtensor array (any rank) into a new tensor.
  explicit Tensor(const xt::xarray<float>& values, bool requires_grad = false);

  /// torch.empty / zeros / ones / full(shape[, value]). As with torch.empty, the values
  /// of empty() are uninitialised (memory/caching_allocator.hpp): write before reading.
  static Tensor empty(const Shape& shape, Dtype dtype = Dtype::Float32);
  static Tensor zeros(const Shape& shape, Dtype dtype = Dtype::Float32);
  static Tensor ones(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  /// A tensor of `shape` holding `values` in row-major order (sizes must agree).
  static Tensor from_vector(const Shape& shape, std::vector<float> values,
                            Dtype dtype = Dtype::Float32);
  /// A 0-d tensor: torch.tensor(value).
  static Tensor scalar(float value);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  /// Size of one dimension; negative `dim` counts from the end, as in torch.
  std::int64_t size(std::int64_t dim) const;
  std::int64_t dim() const;
  std::int64_t numel() const;
  Dtype dtype() const;

  /// Contiguous row-major elements.
  float* data();
  const float* data() const;

  bool requires_grad() const;
  /// In place, like torch's requires_grad_(); only leaves may change it.
  Tensor& requires_grad_(bool requires_grad = true);
  /// The accumulated gradient, or an undefined tensor before the first backward().
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  /// The autograd node that produced this tensor; null for leaves.
  const std::shared_ptr<Node>& grad_fn() const;
  bool is_leaf() const;

  /// backward() from a one-element tensor (implicit gradient 1), like torch.
  void backward() const;
  /// backward(gradient) with an explicit upstream gradient of this tensor's shape.
  void backward(const Tensor& gradient) const;

  /// A view sharing storage, cut from the graph (torch's detach()).
  Tensor detach() const;
  /// A copy of the data, still in the graph when this tensor is (torch's clone()).
  Tensor clone() const;
  /// The value of a one-element tensor (torch's item()).
  float item() const;
  /// The data as an xtensor array of the same shape.
  xt::xarray<float> to_xarray() const;

  /// Same data, another shape; one dimension may be -1 (torch's reshape/view).
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  /// Flattens dims start..end into one (torch's flatten).
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  /// Transpose of a 2-D tensor (torch's t()); returns a contiguous copy.
  Tensor t() const;
  /// Chunks of `split_size` rows along dim 0, the last possibly shorter (torch's split).
  std::vector<Tensor> split(std::int64_t split_size) const;
  /// Rows `index` along dim 0 (torch's index_select(0, index)).
  Tensor index_select(const std::vector<std::int64_t>& index) const;

  /// Index of the maximum along `dim` (first one on ties), an Int64 tensor (torch's argmax).
  Tensor argmax(std::int64_t dim) const;
  /// Elementwise equality as a tensor of 0/1 (torch's eq followed by .float()).
  Tensor eq(const Tensor& other) const;
  /// The same values as float32 (torch's .float()).
  Tensor to_float() const;

  /// Reductions: everything to a 0-d tensor, or along `dim`.
  Tensor sum() const;
  Tensor mean() const;
  Tensor sum(std::int64_t dim, bool keepdim = false) const;
  Tensor mean(std::int64_t dim, bool keepdim = false) const;

  /// Matrix product of 2-D tensors [n, k] x [k, m] (torch's matmul for 2-D).
  Tensor matmul(const Tensor& other) const;

  Tensor relu() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor neg() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor pow(float exponent) const;

  /// True when both handles refer to the same tensor (Python's `is`).
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // Internal: autograd and op implementations attach nodes through these.
  void set_grad_fn(std::shared_ptr<Node> node) const;
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

private:
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<TensorImpl> impl_;
  friend struct TensorAccess;
};

/// Elementwise arithmetic with PyTorch broadcasting, differentiable.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);

/// Prints exactly as PyTorch's repr: `tensor([-0.0675,  0.0238, -0.0057])`.
std::ostream& operator<<(std::ostream& out, const Tensor& tensor);
/// The repr string; `operator<<` writes this.
std::string repr(const Tensor& tensor);

/// "[64, 785]": a shape as error messages and reprs write it.
std::string to_string(const Shape& shape);
/// Number of elements of a shape (1 for a 0-d shape).
std::int64_t numel_of(const Shape& shape);

}  // namespace nnkit
