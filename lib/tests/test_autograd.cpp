// Autograd: accumulation, graph release, no_grad, and every elementwise/reduction/matmul
// gradient against central finite differences (inputs kept away from kinks).
#include "testing.hpp"

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>

using namespace nnkit;
using Inputs = std::vector<Tensor>;

namespace {
Tensor ramp(const Shape& shape, float start, float step) {
  std::vector<float> values(numel_of(shape));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = start + step * std::sin(1.3f * i + 0.2f);
  return Tensor::from_vector(shape, values);
}
}  // namespace

TEST_CASE("gradients of leaves accumulate across backward calls, as in torch") {
  Tensor w = Tensor::from_vector({2}, {1, 2}).requires_grad_();
  (w * 3.0f).sum().backward();
  (w * 3.0f).sum().backward();
  CHECK(w.grad().data()[0] == 6.0f);
  CHECK(w.grad().data()[1] == 6.0f);
}

TEST_CASE("a graph is freed after backward; a second backward through it is a clear error") {
  Tensor w = Tensor::from_vector({2}, {1, 2}).requires_grad_();
  Tensor loss = (w * w).sum();
  loss.backward();
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("second time"), Error);
}

TEST_CASE("backward needs a scalar or an explicit gradient") {
  Tensor w = Tensor::from_vector({2}, {1, 2}).requires_grad_();
  Tensor y = w * 2.0f;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("one-element tensor"), Error);
  y.backward(Tensor::ones({2}));
  CHECK(w.grad().data()[1] == 2.0f);
  CHECK_THROWS_WITH_AS(Tensor::ones({1}).backward(), doctest::Contains("does not require grad"), Error);
}

TEST_CASE("NoGradGuard records no graph; detach cuts it") {
  Tensor w = Tensor::from_vector({2}, {1, 2}).requires_grad_();
  {
    NoGradGuard no_grad;
    CHECK_FALSE((w * 2.0f).requires_grad());
    CHECK_FALSE(is_grad_enabled());
  }
  CHECK(is_grad_enabled());
  CHECK((w * 2.0f).requires_grad());
  CHECK_FALSE(w.detach().requires_grad());
}

TEST_CASE("a tensor used twice gets the sum of both paths' gradients") {
  Tensor x = Tensor::from_vector({3}, {1, 2, 3}).requires_grad_();
  Tensor y = x * x + x.exp();
  y.sum().backward();
  for (int i = 0; i < 3; ++i) {
    const float xi = static_cast<float>(i + 1);
    CHECK(x.grad().data()[i] == doctest::Approx(2 * xi + std::exp(xi)).epsilon(1e-6));
  }
}

TEST_CASE("finite differences: elementwise ops with broadcasting") {
  testing::check_gradients([](const Inputs& in) { return in[0] + in[1]; },
                           {ramp({2, 3}, 0, 1), ramp({3}, 1, 1)}, "add broadcast");
  testing::check_gradients([](const Inputs& in) { return in[0] - in[1]; },
                           {ramp({2, 3}, 0, 1), ramp({2, 1}, 1, 1)}, "sub broadcast");
  testing::check_gradients([](const Inputs& in) { return in[0] * in[1]; },
                           {ramp({2, 3}, 0, 1), ramp({1, 3}, 1, 1)}, "mul broadcast");
  testing::check_gradients([](const Inputs& in) { return in[0] / in[1]; },
                           {ramp({2, 3}, 0, 1), ramp({3}, 3, 0.5f)}, "div broadcast");
  testing::check_gradients([](const Inputs& in) { return -in[0] * 2.0f + 1.0f; }, {ramp({4}, 0, 1)}, "neg/scalar");
}

TEST_CASE("finite differences: unary functions") {
  testing::check_gradients([](const Inputs& in) { return in[0].exp(); }, {ramp({5}, 0, 1)}, "exp");
  testing::check_gradients([](const Inputs& in) { return in[0].log(); }, {ramp({5}, 3, 1)}, "log");
  testing::check_gradients([](const Inputs& in) { return in[0].sigmoid(); }, {ramp({5}, 0, 2)}, "sigmoid");
  testing::check_gradients([](const Inputs& in) { return in[0].tanh(); }, {ramp({5}, 0, 1)}, "tanh");
  testing::check_gradients([](const Inputs& in) { return in[0].pow(3.0f); }, {ramp({5}, 2, 1)}, "pow");
  // relu away from its kink: every input at least 0.1 from zero
  Tensor x = Tensor::from_vector({6}, {-1.5f, -0.4f, 0.3f, 0.9f, 2.0f, -0.2f});
  testing::check_gradients([](const Inputs& in) { return in[0].relu(); }, {x}, "relu");
}

TEST_CASE("finite differences: reductions, views, matmul, transpose, linear") {
  testing::check_gradients([](const Inputs& in) { return in[0].sum(1, true) * 1.5f; }, {ramp({3, 4}, 0, 1)}, "sum(dim)");
  testing::check_gradients([](const Inputs& in) { return in[0].mean(0); }, {ramp({3, 4}, 0, 1)}, "mean(dim)");
  testing::check_gradients([](const Inputs& in) { return in[0].mean() * in[0]; }, {ramp({2, 2}, 0, 1)}, "mean()");
  testing::check_gradients([](const Inputs& in) { return in[0].reshape({4, 3}).t(); }, {ramp({2, 6}, 0, 1)}, "reshape/t");
  testing::check_gradients([](const Inputs& in) { return in[0].matmul(in[1]); },
                           {ramp({3, 4}, 0, 1), ramp({4, 2}, 0, 1)}, "matmul");
  testing::check_gradients([](const Inputs& in) { return in[0].index_select({2, 0, 2}); }, {ramp({3, 2}, 0, 1)},
                           "index_select");
  testing::check_gradients([](const Inputs& in) { return F::linear(in[0], in[1], in[2]); },
                           {ramp({5, 4}, 0, 1), ramp({3, 4}, 0, 0.5f), ramp({3}, 0, 1)}, "linear");
  testing::check_gradients([](const Inputs& in) { return F::linear(in[0], in[1], Tensor()); },
                           {ramp({4}, 0, 1), ramp({3, 4}, 0, 0.5f)}, "linear, 1-D input, no bias");
}

TEST_CASE("linear names the in_features mismatch") {
  Tensor w = Tensor::zeros({32, 784});
  Tensor b = Tensor::zeros({32});
  CHECK_THROWS_WITH_AS(F::linear(Tensor::zeros({64, 785}), w, b),
                       doctest::Contains("Linear(784→32) got input [64, 785]"), Error);
  CHECK_THROWS_WITH_AS(Tensor::zeros({2, 3}).matmul(Tensor::zeros({2, 3})),
                       doctest::Contains("[2, 3] x [2, 3]"), Error);
}
