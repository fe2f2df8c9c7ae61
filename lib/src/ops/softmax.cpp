// F.softmax / F.log_softmax along any dim, max-subtracted (torch's softmax kernels), each
// one node that saves only its output: both backwards are functions of the output.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>

namespace nnkit::functional {

namespace {

// The tensor seen as [outer, extent, inner] around the softmax dim; element (o, j, k) is at
// (o·extent + j)·inner + k.
struct Lanes {
  std::int64_t outer = 1, extent = 1, inner = 1;
};

Lanes lanes_around(const Tensor& input, std::int64_t dim, const char* op) {
  if (input.dtype() != Dtype::Float32) {
    throw Error(fmt::format("{}: expected a float32 input, got an int64 tensor {}; convert with "
                            "to_float()", op, to_string(input.shape())));
  }
  const Shape& shape = input.shape();
  // A 0-d tensor behaves as one element along dim 0 / -1, as in torch.
  const auto rank = std::max<std::int64_t>(input.dim(), 1);
  const auto d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) {
    throw Error(fmt::format("{}: dim {} is out of range for input {} (expected -{}..{})", op, dim,
                            to_string(shape), rank, rank - 1));
  }
  Lanes lanes;
  if (shape.empty()) return lanes;
  for (std::int64_t i = 0; i < d; ++i) lanes.outer *= shape[i];
  lanes.extent = shape[d];
  for (std::size_t i = d + 1; i < shape.size(); ++i) lanes.inner *= shape[i];
  return lanes;
}

// y = softmax(x) or log_softmax(x) along the middle axis of `lanes`.
void softmax_forward(const float* x, float* y, const Lanes& lanes, bool log) {
  for (std::int64_t o = 0; o < lanes.outer; ++o) {
    for (std::int64_t k = 0; k < lanes.inner; ++k) {
      const std::int64_t base = o * lanes.extent * lanes.inner + k, step = lanes.inner;
      // Subtracting the max keeps exp() from overflowing; NaN propagates as in torch.
      float max = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < lanes.extent; ++j) {
        const float v = x[base + j * step];
        if (v > max || std::isnan(v)) max = v;
        if (std::isnan(max)) break;
      }
      double sum = 0.0;
      if (log) {
        for (std::int64_t j = 0; j < lanes.extent; ++j) sum += std::exp(x[base + j * step] - max);
        const float log_sum = static_cast<float>(std::log(sum));
        for (std::int64_t j = 0; j < lanes.extent; ++j) {
          y[base + j * step] = x[base + j * step] - max - log_sum;
        }
      } else {
        for (std::int64_t j = 0; j < lanes.extent; ++j) {
          const float e = std::exp(x[base + j * step] - max);
          y[base + j * step] = e;
          sum += e;
        }
        const float inverse = static_cast<float>(1.0 / sum);
        for (std::int64_t j = 0; j < lanes.extent; ++j) y[base + j * step] *= inverse;
      }
    }
  }
}

Tensor softmax_impl(const Tensor& input, std::int64_t dim, bool log) {
  const Lanes lanes = lanes_around(input, dim, log ? "log_softmax" : "softmax");
  Tensor out = Tensor::empty(input.shape());
  softmax_forward(input.data(), out.data(), lanes, log);
  Tensor y = out.detach();
  return record(out, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {input},
                [y, lanes, log](const Tensor& g) {
    Tensor grad = Tensor::empty(y.shape());
    const float* py = y.data();
    const float* pg = g.data();
    float* gx = grad.data();
    for (std::int64_t o = 0; o < lanes.outer; ++o) {
      for (std::int64_t k = 0; k < lanes.inner; ++k) {
        const std::int64_t base = o * lanes.extent * lanes.inner + k, step = lanes.inner;
        double sum = 0.0;
        if (log) {
          // d/dx log_softmax: g − softmax · Σ g, with softmax = exp(y).
          for (std::int64_t j = 0; j < lanes.extent; ++j) sum += pg[base + j * step];
          const float total = static_cast<float>(sum);
          for (std::int64_t j = 0; j < lanes.extent; ++j) {
            const auto i = base + j * step;
            gx[i] = pg[i] - std::exp(py[i]) * total;
          }
        } else {
          // d/dx softmax: y · (g − Σ g·y).
          for (std::int64_t j = 0; j < lanes.extent; ++j) {
            sum += static_cast<double>(pg[base + j * step]) * py[base + j * step];
          }
          const float dot = static_cast<float>(sum);
          for (std::int64_t j = 0; j < lanes.extent; ++j) {
            const auto i = base + j * step;
            gx[i] = py[i] * (pg[i] - dot);
          }
        }
      }
    }
    return std::vector<Tensor>{grad};
  });
}

}  // namespace

Tensor softmax(const Tensor& input, std::int64_t dim) { return softmax_impl(input, dim, false); }

Tensor log_softmax(const Tensor& input, std::int64_t dim) { return softmax_impl(input, dim, true); }

}  // namespace nnkit::functional
