// functional::conv2d_relu_max_pool2d and nn::Sequential's use of it: the fused pass must give
// the unfused chain max_pool2d(relu(conv2d(x)), 2)'s output and gradients bit for bit, on
// shapes that cut the batch into several chunks, odd planes (a row and column no window
// covers), ties, zeros, NaN, no bias, stride 2.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

#include <nnkit/functional.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/pooling.hpp>
#include <nnkit/nn/sequential.hpp>

#include "testing.hpp"

using nnkit::Tensor;
namespace F = nnkit::functional;
namespace nn = nnkit::nn;
using nnkit::testing::check_same_bits;
using nnkit::testing::random_tensor;

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

struct Case {
  std::int64_t n, cin, cout, h, w, kernel, stride, padding;
  bool bias, ties, nan, input_grad;
};

void check_case(const Case& c, unsigned seed) {
  const std::string what = fmt::format(
      "x [{}, {}, {}, {}], weight [{}, {}, {}, {}], stride {}, padding {}, bias {}, ties {}, "
      "NaN {}", c.n, c.cin, c.h, c.w, c.cout, c.cin, c.kernel, c.kernel, c.stride, c.padding,
      c.bias, c.ties, c.nan);
  INFO(what);
  Tensor x0 = random_tensor({c.n, c.cin, c.h, c.w}, seed, c.ties);
  if (c.nan) x0.data()[c.w + 1] = std::numeric_limits<float>::quiet_NaN();
  const Tensor w0 = random_tensor({c.cout, c.cin, c.kernel, c.kernel}, seed + 1, c.ties);
  const Tensor b0 = c.bias ? random_tensor({c.cout}, seed + 2, c.ties) : Tensor();
  const Pair stride{c.stride, c.stride}, padding{c.padding, c.padding};

  // The same leaves twice, so the two graphs accumulate into separate .grad()s.
  auto leaf = [](const Tensor& t, bool grad) {
    return t.defined() ? t.detach().clone().requires_grad_(grad) : Tensor();
  };
  Tensor x1 = leaf(x0, c.input_grad), w1 = leaf(w0, true), b1 = leaf(b0, true);
  Tensor x2 = leaf(x0, c.input_grad), w2 = leaf(w0, true), b2 = leaf(b0, true);
  const Tensor fused = F::conv2d_relu_max_pool2d(x1, w1, b1, stride, padding);
  const Tensor chain =
      F::max_pool2d(F::relu(F::conv2d(x2, w2, b2, stride, padding)), {2, 2}, {2, 2}, {0, 0});
  check_same_bits(fused, chain, "output");

  const Tensor upstream = random_tensor(fused.shape(), seed + 3, c.ties);
  fused.backward(upstream);
  chain.backward(upstream);
  check_same_bits(w1.grad(), w2.grad(), "grad_weight");
  if (c.bias) check_same_bits(b1.grad(), b2.grad(), "grad_bias");
  if (c.input_grad) check_same_bits(x1.grad(), x2.grad(), "grad_input");
}

}  // namespace

TEST_CASE("conv2d_relu_max_pool2d equals max_pool2d(relu(conv2d(x)), 2) bit for bit") {
  const Case cases[] = {
      // The CNN's first block on 40 images: ten chunks, several weight-gradient partials.
      {40, 1, 32, 28, 28, 3, 1, 1, true, false, false, false},
      // Its third block: 7x7 planes pool to 3x3, the last row and column in no window.
      {30, 8, 16, 7, 7, 3, 1, 1, true, false, false, true},
      // Integer values: many equal maxima and exact zeros after the ReLU.
      {6, 3, 5, 9, 8, 3, 1, 1, true, true, false, true},
      // No bias, stride 2, no padding, a NaN in the input.
      {5, 2, 4, 12, 11, 3, 2, 0, false, false, true, true},
  };
  unsigned seed = 100;
  for (const Case& c : cases) {
    check_case(c, seed);
    seed += 10;
  }
}

TEST_CASE("a too small convolution output falls back to max_pool2d's error") {
  // A 1x1 convolution output has no 2x2 window: the message is max_pool2d's own.
  const Tensor x = random_tensor({1, 1, 3, 3}, 1);
  const Tensor w = random_tensor({2, 1, 3, 3}, 2);
  const std::string fused = nnkit::testing::error_message(
      [&] { F::conv2d_relu_max_pool2d(x, w, Tensor(), {1, 1}, {0, 0}); });
  const std::string chain = nnkit::testing::error_message(
      [&] { F::max_pool2d(F::relu(F::conv2d(x, w, Tensor())), {2, 2}, {2, 2}, {0, 0}); });
  CHECK(!fused.empty());
  CHECK(fused == chain);
}

TEST_CASE("Sequential runs Conv2d, ReLU, MaxPool2d(2) fused, with the modules' own results") {
  nn::Sequential model(nn::Conv2d(2, 6, 3, 1, 1), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Conv2d(6, 4, 3, 1, 1), nn::ReLU(), nn::MaxPool2d(3));
  const Tensor x = random_tensor({3, 2, 10, 10}, 7);
  Tensor by_module = x;
  for (std::size_t i = 0; i < model.size(); ++i) by_module = model[i].forward(by_module);
  const Tensor by_sequential = model.forward(x);
  check_same_bits(by_sequential, by_module, "Sequential vs module by module");
  // The fused run leaves the same graph inputs: the first convolution's weight gets the
  // same gradient either way.
  by_sequential.sum().backward();
  const Tensor fused_grad = model.at<nn::Conv2d>(0).weight.grad().clone();
  model.zero_grad();
  Tensor again = x;
  for (std::size_t i = 0; i < model.size(); ++i) again = model[i].forward(again);
  again.sum().backward();
  check_same_bits(fused_grad, model.at<nn::Conv2d>(0).weight.grad(), "first conv weight grad");
}
