// 2-D matrix product and transpose, through the one gemm helper.
#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/kernels/gemm.hpp>

namespace nnkit {

Tensor Tensor::matmul(const Tensor& other) const {
  if (dim() != 2 || other.dim() != 2 || shape()[1] != other.shape()[0]) {
    throw Error(fmt::format("matmul: expected 2-D tensors [n, k] x [k, m], got {} x {}",
                            to_string(shape()), to_string(other.shape())));
  }
  const auto n = shape()[0], k = shape()[1], m = other.shape()[1];
  Tensor out = Tensor::empty({n, m});
  kernels::gemm(false, false, n, m, k, 1.0f, data(), other.data(), 0.0f, out.data());  // [n,k]x[k,m]
  Tensor a = detach(), b = other.detach();
  return record(out, "MmBackward0", {*this, other}, [a, b, n, k, m](const Tensor& g) {
    Tensor grad_a = Tensor::empty({n, k});
    Tensor grad_b = Tensor::empty({k, m});
    kernels::gemm(false, true, n, k, m, 1.0f, g.data(), b.data(), 0.0f, grad_a.data());  // [n,m]x[m,k]
    kernels::gemm(true, false, k, m, n, 1.0f, a.data(), g.data(), 0.0f, grad_b.data());  // [k,n]x[n,m]
    return std::vector<Tensor>{grad_a, grad_b};
  });
}

Tensor Tensor::t() const {
  if (dim() != 2) {
    throw Error(fmt::format("t(): expects a 2-D tensor, got shape {}", to_string(shape())));
  }
  const auto rows = shape()[0], cols = shape()[1];
  Tensor out = Tensor::empty({cols, rows}, dtype());
  const float* p = data();
  float* o = out.data();
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) o[j * rows + i] = p[i * cols + j];
  return record(out, "TBackward0", {*this}, [](const Tensor& g) {
    return std::vector<Tensor>{g.t()};
  });
}

}  // namespace nnkit
