// Batch normalisation: the [N, C, HW] kernels against naive loops, F::batch_norm and
// nn::BatchNorm2d against PyTorch 1.13 (golden ops.json: train with running statistics
// over three calls, eval), finite-difference gradients, module structure and errors.
#include "testing.hpp"

#include <cmath>
#include <optional>
#include <string>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/batch_norm.hpp>
#include <nnkit/nn/batch_norm.hpp>
#include <nnkit/random/generator.hpp>

using namespace nnkit;
using nnkit::testing::check_close_and_log;
using nnkit::testing::contains;
using nnkit::testing::copy_into;
using nnkit::testing::error_message;
using nnkit::testing::json;
using nnkit::testing::tensor_from_json;
using nnkit::testing::torch_golden;

namespace {

// Values with a non-zero mean and a spread, deterministic.
Tensor sample(const Shape& shape, float scale = 1.5f, float offset = 0.7f) {
  Tensor t = Tensor::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = offset + scale * std::sin(0.9f * i + 0.3f);
  return t;
}

}  // namespace

TEST_CASE("batch_norm kernels agree with naive per-channel loops") {
  const std::int64_t n = 3, c = 4, hw = 5;
  Tensor x = sample({n, c, hw}, 2.0f, 10.0f);  // far from zero: tests the two-pass variance
  std::vector<float> mean(c), var(c);
  kernels::batch_norm_stats(x.data(), n, c, hw, mean.data(), var.data());
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double s = 0, s2 = 0;
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < hw; ++i) s += x.data()[(b * c + ch) * hw + i];
    const double m = s / (n * hw);
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < hw; ++i) {
        const double d = x.data()[(b * c + ch) * hw + i] - m;
        s2 += d * d;
      }
    CHECK(mean[ch] == doctest::Approx(m).epsilon(1e-7));
    CHECK(var[ch] == doctest::Approx(s2 / (n * hw)).epsilon(1e-6));
  }
  std::vector<float> m(c), s(c), w(c), b(c);
  for (std::int64_t ch = 0; ch < c; ++ch) {
    m[ch] = static_cast<float>(mean[ch]);
    s[ch] = static_cast<float>(1.0 / std::sqrt(var[ch] + 1e-5));
    w[ch] = 0.5f + ch;
    b[ch] = -0.25f * ch;
  }
  Tensor y = Tensor::empty({n, c, hw});
  kernels::batch_norm_forward(x.data(), n, c, hw, m.data(), s.data(), w.data(), b.data(), y.data());
  for (std::int64_t b0 = 0; b0 < n; ++b0)
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t i = 0; i < hw; ++i) {
        const auto k = (b0 * c + ch) * hw + i;
        const double expected = (x.data()[k] - mean[ch]) / std::sqrt(var[ch] + 1e-5) * w[ch] + b[ch];
        CHECK(y.data()[k] == doctest::Approx(expected).epsilon(1e-5));
      }
  // Null weight and bias mean affine=False: the normalised values themselves.
  kernels::batch_norm_forward(x.data(), n, c, hw, m.data(), s.data(), nullptr, nullptr, y.data());
  const double z = (x.data()[7] - mean[1]) / std::sqrt(var[1] + 1e-5);  // element 7 is channel 1
  CHECK(y.data()[7] == doctest::Approx(z).epsilon(1e-5));
}

TEST_CASE("BatchNorm2d train mode equals torch: output, gradients, running stats over 3 calls") {
  for (const auto& c : torch_golden("ops.json").at("batch_norm2d_train")) {
    const auto name = c.at("name").get<std::string>();
    CAPTURE(name);
    nn::BatchNorm2d bn(c.at("params").at("num_features").get<std::int64_t>());
    copy_into(bn.weight, tensor_from_json(c.at("weight")));
    copy_into(bn.bias, tensor_from_json(c.at("bias")));
    check_close_and_log(bn.running_mean, tensor_from_json(c.at("running_mean_initial")),
                        name + " running_mean initial");
    check_close_and_log(bn.running_var, tensor_from_json(c.at("running_var_initial")),
                        name + " running_var initial");
    const auto& calls = c.at("calls");
    REQUIRE(calls.size() == 3);
    for (std::size_t k = 0; k < calls.size(); ++k) {
      const auto& call = calls[k];
      const std::string tag = fmt::format("{} call {}", name, k);
      Tensor x = tensor_from_json(call.at("x"), /*requires_grad=*/k == 0);
      Tensor out = bn(x);
      check_close_and_log(out, tensor_from_json(call.at("out")), tag + " out");
      if (k == 0) {
        CHECK(out.grad_fn()->name() == "NativeBatchNormBackward0");
        out.backward(tensor_from_json(c.at("grad_out")));
        check_close_and_log(x.grad(), tensor_from_json(c.at("grad_x")), tag + " grad_x");
        check_close_and_log(bn.weight.grad(), tensor_from_json(c.at("grad_weight")), tag + " grad_weight");
        check_close_and_log(bn.bias.grad(), tensor_from_json(c.at("grad_bias")), tag + " grad_bias");
      }
      check_close_and_log(bn.running_mean, tensor_from_json(call.at("running_mean_after")),
                          tag + " running_mean");
      check_close_and_log(bn.running_var, tensor_from_json(call.at("running_var_after")),
                          tag + " running_var");
      CHECK(bn.num_batches_tracked.item() == call.at("num_batches_tracked_after").get<float>());
    }
  }
}

TEST_CASE("BatchNorm2d eval mode equals torch and uses (and keeps) the running stats") {
  for (const auto& c : torch_golden("ops.json").at("batch_norm2d_eval")) {
    const auto name = c.at("name").get<std::string>();
    CAPTURE(name);
    nn::BatchNorm2d bn(c.at("params").at("num_features").get<std::int64_t>());
    copy_into(bn.weight, tensor_from_json(c.at("weight")));
    copy_into(bn.bias, tensor_from_json(c.at("bias")));
    const Tensor running_mean = tensor_from_json(c.at("running_mean"));
    const Tensor running_var = tensor_from_json(c.at("running_var"));
    copy_into(bn.running_mean, running_mean);
    copy_into(bn.running_var, running_var);
    bn.eval();
    Tensor x = tensor_from_json(c.at("x"), true);
    Tensor out = bn(x);
    check_close_and_log(out, tensor_from_json(c.at("out")), name + " out");
    out.backward(tensor_from_json(c.at("grad_out")));
    check_close_and_log(x.grad(), tensor_from_json(c.at("grad_x")), name + " grad_x");
    check_close_and_log(bn.weight.grad(), tensor_from_json(c.at("grad_weight")), name + " grad_weight");
    check_close_and_log(bn.bias.grad(), tensor_from_json(c.at("grad_bias")), name + " grad_bias");
    // Eval reads the running statistics and never writes them.
    testing::check_close(bn.running_mean, running_mean, name + " running_mean unchanged", 0.0);
    testing::check_close(bn.running_var, running_var, name + " running_var unchanged", 0.0);
    CHECK(bn.num_batches_tracked.item() == 0.0f);
  }
}

TEST_CASE("eval output is (x − running_mean) / sqrt(running_var + eps) · w + b, not batch stats") {
  nn::BatchNorm2d bn(2);
  copy_into(bn.running_mean, Tensor::from_vector({2}, {1.0f, -2.0f}));
  copy_into(bn.running_var, Tensor::from_vector({2}, {4.0f, 0.25f}));
  copy_into(bn.weight, Tensor::from_vector({2}, {2.0f, 3.0f}));
  copy_into(bn.bias, Tensor::from_vector({2}, {0.5f, -1.0f}));
  bn.eval();
  Tensor x = sample({2, 2, 2, 2});
  Tensor y = bn(x);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::int64_t ch = (i / 4) % 2;
    const double m = ch ? -2.0 : 1.0, v = ch ? 0.25 : 4.0, w = ch ? 3.0 : 2.0, b = ch ? -1.0 : 0.5;
    CHECK(y.data()[i] == doctest::Approx((x.data()[i] - m) / std::sqrt(v + 1e-5) * w + b).epsilon(1e-6));
  }
  // Back in train mode the same module normalises with the batch statistics instead.
  bn.train();
  Tensor y_train = bn(x);
  CHECK(testing::max_relative_error(y_train, y) > 1e-2);
}

TEST_CASE("F::batch_norm updates caller's running stats in place with the unbiased variance") {
  const std::int64_t n = 2, c = 3, hw = 4;
  Tensor x = sample({n, c, 2, 2});
  Tensor running_mean = Tensor::full({c}, 0.5f), running_var = Tensor::full({c}, 2.0f);
  const double momentum = 0.25;
  F::batch_norm(x, running_mean, running_var, Tensor(), Tensor(), true, momentum, 1e-5);
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double s = 0, s2 = 0;
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < hw; ++i) s += x.data()[(b * c + ch) * hw + i];
    const double m = s / (n * hw);
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < hw; ++i) s2 += std::pow(x.data()[(b * c + ch) * hw + i] - m, 2);
    CHECK(running_mean.data()[ch] == doctest::Approx((1 - momentum) * 0.5 + momentum * m).epsilon(1e-6));
    CHECK(running_var.data()[ch] ==
          doctest::Approx((1 - momentum) * 2.0 + momentum * s2 / (n * hw - 1)).epsilon(1e-6));
  }
}

TEST_CASE("momentum=None is a cumulative average; track_running_stats=false and affine=false") {
  SUBCASE("momentum=None") {
    nn::BatchNorm2d bn(1, 1e-5, std::nullopt);
    CHECK(bn.repr() == "BatchNorm2d(1, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
    Tensor a = Tensor::from_vector({2, 1, 1, 1}, {1.0f, 3.0f});   // mean 2, unbiased var 2
    Tensor b = Tensor::from_vector({2, 1, 1, 1}, {6.0f, 10.0f});  // mean 8, unbiased var 8
    bn(a);
    bn(b);
    CHECK(bn.num_batches_tracked.item() == 2.0f);
    CHECK(bn.running_mean.item() == doctest::Approx(5.0));  // (2 + 8) / 2
    CHECK(bn.running_var.item() == doctest::Approx(5.0));   // (2 + 8) / 2
  }
  SUBCASE("track_running_stats=false: no buffers, batch statistics even in eval") {
    nn::BatchNorm2d bn(2, 1e-5, 0.1, true, false);
    CHECK(bn.named_buffers().empty());
    CHECK(bn.named_parameters().size() == 2);
    Tensor x = sample({3, 2, 2, 2});
    Tensor train_out = bn(x);
    bn.eval();
    testing::check_close(bn(x), train_out, "eval without running stats", 0.0);
  }
  SUBCASE("affine=false: no parameters, output has zero mean and unit biased variance") {
    nn::BatchNorm2d bn(2, 0.0, 0.1, false);
    CHECK(bn.named_parameters().empty());
    CHECK(bn.named_buffers().size() == 3);
    CHECK(bn.repr() == "BatchNorm2d(2, eps=0.0, momentum=0.1, affine=False, track_running_stats=True)");
    Tensor y = bn(sample({3, 2, 2, 2}));
    for (std::int64_t ch = 0; ch < 2; ++ch) {
      double s = 0, s2 = 0;
      for (std::int64_t b = 0; b < 3; ++b)
        for (std::int64_t i = 0; i < 4; ++i) {
          const double v = y.data()[(b * 2 + ch) * 4 + i];
          s += v;
          s2 += v * v;
        }
      CHECK(s / 12 == doctest::Approx(0.0).scale(1.0).epsilon(1e-6));
      CHECK(s2 / 12 == doctest::Approx(1.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("batch_norm gradients match finite differences (train and eval; input, weight, bias)") {
  const Tensor x = sample({3, 2, 2, 3});
  const Tensor weight = Tensor::from_vector({2}, {1.3f, 0.6f});
  const Tensor bias = Tensor::from_vector({2}, {0.2f, -0.4f});
  SUBCASE("train") {
    testing::check_gradients(
        [](const std::vector<Tensor>& in) {
          return F::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true);
        },
        {x.detach().clone(), weight.detach().clone(), bias.detach().clone()}, "batch_norm train");
  }
  SUBCASE("train, updating running stats on every call") {
    Tensor running_mean = Tensor::zeros({2}), running_var = Tensor::ones({2});
    testing::check_gradients(
        [&](const std::vector<Tensor>& in) {
          return F::batch_norm(in[0], running_mean, running_var, in[1], in[2], true);
        },
        {x.detach().clone(), weight.detach().clone(), bias.detach().clone()},
        "batch_norm train (running stats)");
  }
  SUBCASE("eval") {
    Tensor running_mean = Tensor::from_vector({2}, {0.3f, -0.2f});
    Tensor running_var = Tensor::from_vector({2}, {1.7f, 0.8f});
    testing::check_gradients(
        [&](const std::vector<Tensor>& in) {
          return F::batch_norm(in[0], running_mean, running_var, in[1], in[2], false);
        },
        {x.detach().clone(), weight.detach().clone(), bias.detach().clone()}, "batch_norm eval");
  }
  SUBCASE("train, 2-D input [N, C] (BatchNorm1d's layout)") {
    testing::check_gradients(
        [](const std::vector<Tensor>& in) {
          return F::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true);
        },
        {sample({5, 2}), weight.detach().clone(), bias.detach().clone()}, "batch_norm train 2-D");
  }
}

TEST_CASE("BatchNorm2d parameters and buffers: torch's names, order, shapes, dtypes") {
  nn::BatchNorm2d bn(32);
  const auto params = bn.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[1].first == "bias");
  CHECK(params[0].second.is_same(bn.weight));
  for (std::int64_t i = 0; i < 32; ++i) {
    CHECK(bn.weight.data()[i] == 1.0f);
    CHECK(bn.bias.data()[i] == 0.0f);
  }
  CHECK(bn.weight.requires_grad());
  // The buffer entries of the assignment's CNN (block 3) from repr.json, prefix removed.
  const json models = testing::load_golden("torch/repr.json").at("models");
  const auto& golden = models.at("cnn").at("named_buffers");
  const auto buffers = bn.named_buffers();
  REQUIRE(buffers.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto expected_name = golden[i].at("name").get<std::string>();
    CAPTURE(expected_name);
    CHECK("3." + buffers[i].first == expected_name);
    CHECK(buffers[i].second.shape() == golden[i].at("shape").get<Shape>());
    CHECK((buffers[i].second.dtype() == Dtype::Int64 ? "int64" : "float32") ==
          golden[i].at("dtype").get<std::string>());
    CHECK_FALSE(buffers[i].second.requires_grad());
  }
  CHECK(buffers[2].second.is_same(bn.num_batches_tracked));
  CHECK(bn.num_batches_tracked.item() == 0.0f);
}

TEST_CASE("BatchNorm2d::reset_parameters restores torch's initial state in place") {
  nn::BatchNorm2d bn(3);
  const Tensor weight = bn.weight, running_var = bn.running_var;
  Tensor x = sample({2, 3, 2, 2});
  copy_into(bn.weight, Tensor::full({3}, 2.0f));
  copy_into(bn.bias, Tensor::full({3}, -1.0f));
  bn(x);
  bn(x);
  REQUIRE(bn.num_batches_tracked.item() == 2.0f);
  REQUIRE(bn.running_var.data()[0] != 1.0f);
  bn.reset_parameters();
  CHECK(bn.weight.is_same(weight));
  CHECK(bn.running_var.is_same(running_var));
  for (std::int64_t i = 0; i < 3; ++i) {
    CHECK(bn.weight.data()[i] == 1.0f);
    CHECK(bn.bias.data()[i] == 0.0f);
    CHECK(bn.running_mean.data()[i] == 0.0f);
    CHECK(bn.running_var.data()[i] == 1.0f);
  }
  CHECK(bn.num_batches_tracked.item() == 0.0f);
}

TEST_CASE("BatchNorm2d prints as torch") {
  const json modules = testing::load_golden("torch/repr.json").at("modules");
  int found = 0;
  for (const auto& m : modules) {
    const auto expr = m.at("expr").get<std::string>();
    if (expr == "nn.BatchNorm2d(32)") {
      CHECK(nn::BatchNorm2d(32).repr() == m.at("str").get<std::string>());
      ++found;
    } else if (expr == "nn.BatchNorm2d(4, eps=1e-3, momentum=0.2)") {
      CHECK(nn::BatchNorm2d(4, 1e-3, 0.2).repr() == m.at("str").get<std::string>());
      ++found;
    }
  }
  CHECK(found == 2);
  CHECK(nn::BatchNorm2d(8, 1e-5, 1.0).repr() ==
        "BatchNorm2d(8, eps=1e-05, momentum=1.0, affine=True, track_running_stats=True)");
}

TEST_CASE("batch_norm errors name the bad shape and what was expected") {
  nn::BatchNorm2d bn(32);
  std::string msg = error_message([&] { bn(Tensor::zeros({64, 32, 28})); });
  CHECK(contains(msg, "[64, 32, 28]"));
  CHECK(contains(msg, "4-D"));
  msg = error_message([&] { bn(Tensor::zeros({4, 16, 5, 5})); });
  CHECK(contains(msg, "BatchNorm2d(32)"));
  CHECK(contains(msg, "[4, 16, 5, 5]"));
  CHECK(contains(msg, "num_features = 32"));
  msg = error_message([&] { bn(Tensor::zeros({1, 32, 1, 1})); });
  CHECK(contains(msg, "more than 1 value per channel"));
  CHECK(contains(msg, "[1, 32, 1, 1]"));
  CHECK(bn.num_batches_tracked.item() == 1.0f);  // torch increments before F.batch_norm too
  bn.eval();
  CHECK_NOTHROW(bn(Tensor::zeros({1, 32, 1, 1})));  // eval needs no batch statistics

  const Tensor x = Tensor::zeros({2, 3, 2, 2});
  msg = error_message([&] { F::batch_norm(x, Tensor(), Tensor(), Tensor::ones({4}), Tensor(), true); });
  CHECK(contains(msg, "weight"));
  CHECK(contains(msg, "[4]"));
  CHECK(contains(msg, "[3]"));
  msg = error_message([&] { F::batch_norm(x, Tensor::zeros({2}), Tensor::ones({3}), Tensor(), Tensor(), true); });
  CHECK(contains(msg, "running_mean"));
  CHECK(contains(msg, "[2]"));
  msg = error_message([&] { F::batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false); });
  CHECK(contains(msg, "running_mean"));
  msg = error_message([&] { F::batch_norm(Tensor::zeros({5}), Tensor(), Tensor(), Tensor(), Tensor(), true); });
  CHECK(contains(msg, "[5]"));
  msg = error_message([] { nn::BatchNorm2d(0); });
  CHECK(contains(msg, "num_features=0"));
}
