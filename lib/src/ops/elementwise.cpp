// Elementwise arithmetic and activations on Tensors, with their backward nodes.
// Plain loops over contiguous storage, in parallel blocks when the tensors are large
// (each element on its own: the partition cannot change a result); broadcasting through
// precomputed offsets.
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>
#include <functional>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/memory/caching_allocator.hpp>
#include <nnkit/kernels/parallel.hpp>

#include "broadcast.hpp"

namespace nnkit {

namespace {

// Elements worth one task of a parallel loop.
constexpr std::int64_t kGrain = 1 << 16;

template <class Fn>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, Fn fn) {
  const Shape out_shape = detail::broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(out_shape);
  float* o = out.data();
  const float* pa = a.data();
  const float* pb = b.data();
  const auto n = out.numel();
  if (a.shape() == out_shape && b.shape() == out_shape) {
    kernels::parallel_blocks(n, kGrain, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) o[i] = fn(pa[i], pb[i]);
    });
  } else if (a.shape() == out_shape && b.numel() == 1) {
    kernels::parallel_blocks(n, kGrain, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) o[i] = fn(pa[i], pb[0]);
    });
  } else {
    const auto oa = detail::broadcast_offsets(a.shape(), out_shape);
    const auto ob = detail::broadcast_offsets(b.shape(), out_shape);
    for (std::int64_t i = 0; i < n; ++i) o[i] = fn(pa[oa[i]], pb[ob[i]]);
  }
  return out;
}

template <class Fn>
Tensor unary(const Tensor& a, Fn fn) {
  Tensor out = Tensor::empty(a.shape());
  const float* pa = a.data();
  float* o = out.data();
  kernels::parallel_blocks(a.numel(), kGrain, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) o[i] = fn(pa[i]);
  });
  return out;
}

void check_float(const Tensor& t, const char* op) {
  if (t.dtype() != Dtype::Float32) {
    throw Error(fmt::format("{}: expected a float32 tensor, got an int64 tensor of shape {}; "
                            "convert with to_float()", op, to_string(t.shape())));
  }
}

}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "add", std::plus<float>());
  const Shape sa = a.shape(), sb = b.shape();
  return record(out, "AddBackward0", {a, b}, [sa, sb](const Tensor& g) {
    return std::vector<Tensor>{detail::sum_to_shape(g, sa), detail::sum_to_shape(g, sb)};
  });
}

Tensor operator-(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "sub", std::minus<float>());
  const Shape sa = a.shape(), sb = b.shape();
  return record(out, "SubBackward0", {a, b}, [sa, sb](const Tensor& g) {
    return std::vector<Tensor>{detail::sum_to_shape(g, sa), detail::sum_to_shape(-g, sb)};
  });
}

Tensor operator*(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "mul", std::multiplies<float>());
  Tensor sa = a.detach(), sb = b.detach();
  return record(out, "MulBackward0", {a, b}, [sa, sb](const Tensor& g) {
    return std::vector<Tensor>{detail::sum_to_shape(g * sb, sa.shape()),
                               detail::sum_to_shape(g * sa, sb.shape())};
  });
}

Tensor operator/(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "div", std::divides<float>());
  Tensor sa = a.detach(), sb = b.detach();
  return record(out, "DivBackward0", {a, b}, [sa, sb](const Tensor& g) {
    Tensor grad_b = -(g * sa / (sb * sb));
    return std::vector<Tensor>{detail::sum_to_shape(g / sb, sa.shape()),
                               detail::sum_to_shape(grad_b, sb.shape())};
  });
}

Tensor operator-(const Tensor& a) { return a.neg(); }
Tensor operator+(const Tensor& a, float b) { return a + Tensor::scalar(b); }
Tensor operator-(const Tensor& a, float b) { return a - Tensor::scalar(b); }
Tensor operator*(const Tensor& a, float b) { return a * Tensor::scalar(b); }
Tensor operator/(const Tensor& a, float b) { return a / Tensor::scalar(b); }
Tensor operator+(float a, const Tensor& b) { return Tensor::scalar(a) + b; }
Tensor operator-(float a, const Tensor& b) { return Tensor::scalar(a) - b; }
Tensor operator*(float a, const Tensor& b) { return Tensor::scalar(a) * b; }

Tensor Tensor::neg() const {
  Tensor out = unary(*this, [](float x) { return -x; });
  return record(out, "NegBackward0", {*this}, [](const Tensor& g) {
    return std::vector<Tensor>{unary(g, [](float x) { return -x; })};
  });
}

Tensor Tensor::exp() const {
  check_float(*this, "exp");
  Tensor out = unary(*this, [](float x) { return std::exp(x); });
  Tensor saved = out.detach();
  return record(out, "ExpBackward0", {*this}, [saved](const Tensor& g) {
    return std::vector<Tensor>{g * saved};
  });
}

Tensor Tensor::log() const {
  check_float(*this, "log");
  Tensor out = unary(*this, [](float x) { return std::log(x); });
  Tensor saved = detach();
  return record(out, "LogBackward0", {*this}, [saved](const Tensor& g) {
    return std::vector<Tensor>{g / saved};
  });
}

Tensor Tensor::relu() const {
  check_float(*this, "relu");
  Tensor out = Tensor::empty(shape());
  // torch's threshold_backward lets the gradient pass where the result is > 0: one byte
  // per element is all the backward needs, a quarter of keeping the result.
  const bool keep_mask = needs_grad({*this});
  auto mask = std::make_shared<memory::ByteBuffer>(keep_mask ? numel() : 0);
  const float* x = data();
  float* y = out.data();
  std::uint8_t* m = mask->data();
  kernels::parallel_blocks(numel(), kGrain, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    if (keep_mask) {
      for (std::int64_t i = first; i < last; ++i) m[i] = y[i] > 0.0f;
    }
  });
  return record(out, "ReluBackward0", {*this}, [mask](const Tensor& g) {
    Tensor grad = may_reuse_gradient(g) ? g : Tensor::empty(g.shape());
    const std::uint8_t* keep = mask->data();
    const float* pg = g.data();
    float* o = grad.data();
    kernels::parallel_blocks(g.numel(), kGrain, [&](std::int64_t first, std::int64_t last) {
      // o = keep ? g : +0 as a bit mask, which vectorises (a select on bytes does not).
      for (std::int64_t i = first; i < last; ++i) {
        const std::uint32_t bits = std::bit_cast<std::uint32_t>(pg[i]) & (0u - keep[i]);
        o[i] = std::bit_cast<float>(bits);
      }
    });
    return std::vector<Tensor>{grad};
  });
}

Tensor Tensor::sigmoid() const {
  check_float(*this, "sigmoid");
  Tensor out = unary(*this, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
  Tensor saved = out.detach();
  return record(out, "SigmoidBackward0", {*this}, [saved](const Tensor& g) {
    return std::vector<Tensor>{g * unary(saved, [](float y) { return y * (1.0f - y); })};
  });
}

Tensor Tensor::tanh() const {
  check_float(*this, "tanh");
  Tensor out = unary(*this, [](float x) { return std::tanh(x); });
  Tensor saved = out.detach();
  return record(out, "TanhBackward0", {*this}, [saved](const Tensor& g) {
    return std::vector<Tensor>{g * unary(saved, [](float y) { return 1.0f - y * y; })};
  });
}

Tensor Tensor::pow(float exponent) const {
  check_float(*this, "pow");
  Tensor out = unary(*this, [exponent](float x) { return std::pow(x, exponent); });
  Tensor saved = detach();
  return record(out, "PowBackward0", {*this}, [saved, exponent](const Tensor& g) {
    return std::vector<Tensor>{
        g * unary(saved, [exponent](float x) { return exponent * std::pow(x, exponent - 1.0f); })};
  });
}

}  // namespace nnkit
