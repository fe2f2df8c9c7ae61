// F.linear as one fused node: y = x · Wᵀ + b (torch's AddmmBackward0).
#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/gemm.hpp>

namespace nnkit::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2 || (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))) {
    throw Error(fmt::format("linear: expected weight [out, in] and bias [out], got weight {} and "
                            "bias {}", to_string(weight.shape()),
                            bias.defined() ? to_string(bias.shape()) : "none"));
  }
  const auto out_features = weight.size(0), in_features = weight.size(1);
  if (input.dim() < 1 || input.size(-1) != in_features) {
    throw Error(fmt::format("Linear({}→{}) got input {}; expected [..., {}] (the last dimension "
                            "must equal in_features)", in_features, out_features,
                            to_string(input.shape()), in_features));
  }
  Shape out_shape = input.shape();
  out_shape.back() = out_features;
  const auto rows = input.numel() / in_features;
  Tensor out = Tensor::empty(out_shape);
  float* y = out.data();
  if (bias.defined()) {
    for (std::int64_t r = 0; r < rows; ++r)
      std::copy_n(bias.data(), out_features, y + r * out_features);
  }
  // [rows, in] x [in, out] (weight stored [out, in], so transposed)
  kernels::gemm(false, true, rows, out_features, in_features, 1.0f, input.data(), weight.data(),
                bias.defined() ? 1.0f : 0.0f, y);

  Tensor x = input.detach(), w = weight.detach();
  const bool has_bias = bias.defined();
  // torch names the node after how it dispatched: addmm for a batch, matmul + add for a
  // single 1-D sample; the names show up in printed tensors (grad_fn=<...>).
  const char* node_name = !has_bias ? "MmBackward0" : input.dim() == 1 ? "AddBackward0" : "AddmmBackward0";
  return record(out, node_name, {input, weight, bias},
                [x, w, rows, in_features, out_features, has_bias](const Tensor& g) {
    Tensor grad_x = Tensor::empty(x.shape());
    Tensor grad_w = Tensor::empty(w.shape());
    // [rows, out] x [out, in]
    kernels::gemm(false, false, rows, in_features, out_features, 1.0f, g.data(), w.data(), 0.0f,
                  grad_x.data());
    // [out, rows] x [rows, in]
    kernels::gemm(true, false, out_features, in_features, rows, 1.0f, g.data(), x.data(), 0.0f,
                  grad_w.data());
    Tensor grad_b;
    if (has_bias) {
      grad_b = Tensor::zeros({out_features});
      float* gb = grad_b.data();
      const float* pg = g.data();
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t o = 0; o < out_features; ++o) gb[o] += pg[r * out_features + o];
    }
    return std::vector<Tensor>{grad_x, grad_w, grad_b};
  });
}

Tensor relu(const Tensor& input) { return input.relu(); }

}  // namespace nnkit::functional
