// softmax, log_softmax and cross_entropy against PyTorch 1.13 (golden ops.json), finite
// differences on every dim and both target kinds, nn::CrossEntropyLoss, and the errors.
#include "testing.hpp"

#include <cmath>
#include <string>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/nn/loss.hpp>

using namespace nnkit;
using nnkit::testing::check_close_and_log;
using nnkit::testing::contains;
using nnkit::testing::error_message;
using nnkit::testing::json;
using nnkit::testing::tensor_from_json;
using nnkit::testing::torch_golden;

namespace {

// Deterministic values of a given spread.
Tensor sample(const Shape& shape, float scale = 2.0f, float phase = 0.3f) {
  Tensor t = Tensor::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = scale * std::sin(1.7f * i + phase);
  return t;
}

// "tensor(2.6073, grad_fn=<NllLossBackward0>)" -> "NllLossBackward0".
std::string grad_fn_in_repr(const std::string& repr) {
  const auto begin = repr.find("grad_fn=<") + 9;
  return repr.substr(begin, repr.find('>', begin) - begin);
}

}  // namespace

TEST_CASE("softmax and log_softmax equal torch (forward and backward)") {
  for (const char* op : {"softmax", "log_softmax"}) {
    const bool log = std::string(op) == "log_softmax";
    for (const auto& c : torch_golden("ops.json").at(op)) {
      const auto name = c.at("name").get<std::string>();
      CAPTURE(name);
      const auto dim = c.at("params").at("dim").get<std::int64_t>();
      Tensor x = tensor_from_json(c.at("x"), true);
      Tensor out = log ? F::log_softmax(x, dim) : F::softmax(x, dim);
      check_close_and_log(out, tensor_from_json(c.at("out")), name + " out");
      CHECK(out.grad_fn()->name() == (log ? "LogSoftmaxBackward0" : "SoftmaxBackward0"));
      out.backward(tensor_from_json(c.at("grad_out")));
      check_close_and_log(x.grad(), tensor_from_json(c.at("grad_x")), name + " grad_x");
    }
  }
}

TEST_CASE("softmax along any dim matches a naive loop and sums to one") {
  const Tensor x = sample({2, 3, 4});
  for (std::int64_t dim : {0, 1, 2, -1, -3}) {
    CAPTURE(dim);
    const Tensor s = F::softmax(x, dim);
    const Tensor ls = F::log_softmax(x, dim);
    const std::int64_t d = dim < 0 ? dim + 3 : dim;
    const Shape& shape = x.shape();
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t j = 0; j < 3; ++j)
        for (std::int64_t k = 0; k < 4; ++k) {
          auto at = [&](std::int64_t v) {
            std::int64_t idx[3] = {i, j, k};
            idx[d] = v;
            return (idx[0] * 3 + idx[1]) * 4 + idx[2];
          };
          double total = 0.0;
          for (std::int64_t v = 0; v < shape[d]; ++v) total += std::exp(double(x.data()[at(v)]));
          const auto self = (i * 3 + j) * 4 + k;
          CHECK(s.data()[self] == doctest::Approx(std::exp(double(x.data()[self])) / total).epsilon(1e-6));
          CHECK(ls.data()[self] ==
                doctest::Approx(double(x.data()[self]) - std::log(total)).epsilon(1e-6));
        }
  }
  // Max subtraction: huge logits give finite probabilities.
  Tensor big = Tensor::from_vector({1, 3}, {1000.0f, 999.0f, -1000.0f});
  const Tensor p = F::softmax(big, 1);
  const Tensor lp = F::log_softmax(big, 1);
  CHECK(p.data()[0] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
  CHECK(lp.data()[2] == doctest::Approx(-2000.0 - std::log1p(std::exp(-1.0))));
  CHECK(std::isfinite(lp.data()[2]));
}

TEST_CASE("softmax and log_softmax gradients match finite differences on every dim") {
  for (std::int64_t dim : {0, 1, -1}) {
    CAPTURE(dim);
    testing::check_gradients([dim](const std::vector<Tensor>& in) { return F::softmax(in[0], dim); },
                             {sample({3, 2, 4})}, fmt::format("softmax dim {}", dim));
    testing::check_gradients([dim](const std::vector<Tensor>& in) { return F::log_softmax(in[0], dim); },
                             {sample({3, 2, 4})}, fmt::format("log_softmax dim {}", dim));
  }
}

TEST_CASE("cross_entropy equals torch for class indices, one-hot and soft targets") {
  for (const auto& c : torch_golden("ops.json").at("cross_entropy")) {
    const auto name = c.at("name").get<std::string>();
    CAPTURE(name);
    const Tensor target = tensor_from_json(c.at("target"));
    const auto expected_node = grad_fn_in_repr(c.at("repr_loss").get<std::string>());
    // Class indices are accepted as int64 (torch's) and as floats holding whole numbers.
    const int variants = target.dtype() == Dtype::Int64 ? 2 : 1;
    for (int variant = 0; variant < variants; ++variant) {
      const Tensor t = variant == 0 ? target : target.to_float();
      const std::string suffix = variant == 0 ? "" : " (float target)";
      Tensor logits = tensor_from_json(c.at("logits"), true);
      Tensor loss = F::cross_entropy(logits, t);
      CHECK(loss.dim() == 0);
      check_close_and_log(loss, tensor_from_json(c.at("loss")), name + suffix + " loss");
      CHECK(loss.grad_fn()->name() == expected_node);
      CHECK(repr(loss) == c.at("repr_loss").get<std::string>());  // value and grad_fn as torch prints
      loss.backward();
      check_close_and_log(logits.grad(), tensor_from_json(c.at("grad_logits")),
                          name + suffix + " grad_logits");
    }
  }
}

TEST_CASE("cross_entropy is −mean(log_softmax[i, t_i]) and −Σ t·log_softmax / N") {
  const Tensor logits = sample({4, 5});
  const Tensor logp = F::log_softmax(logits, 1);
  const Tensor index = Tensor::from_vector({4}, {2, 0, 4, 1}, Dtype::Int64);
  double expected = 0.0;
  for (std::int64_t i = 0; i < 4; ++i) expected -= logp.data()[i * 5 + std::int64_t(index.data()[i])];
  CHECK(F::cross_entropy(logits, index).item() == doctest::Approx(expected / 4).epsilon(1e-6));
  // Probability rows that do not sum to one still follow torch's formula.
  const Tensor soft = sample({4, 5}, 0.5f, 1.1f) + 0.6f;
  expected = 0.0;
  for (std::int64_t i = 0; i < 20; ++i) expected -= double(soft.data()[i]) * logp.data()[i];
  CHECK(F::cross_entropy(logits, soft).item() == doctest::Approx(expected / 4).epsilon(1e-6));
}

TEST_CASE("cross_entropy gradients match finite differences for both target kinds") {
  const Tensor index = Tensor::from_vector({4}, {2, 0, 4, 1}, Dtype::Int64);
  testing::check_gradients(
      [index](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], index); },
      {sample({4, 5})}, "cross_entropy class indices");
  Tensor probs = F::softmax(sample({4, 5}, 1.0f, 0.9f), 1).detach();
  testing::check_gradients(
      [probs](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], probs); },
      {sample({4, 5})}, "cross_entropy probabilities (d/d logits)");
  // torch differentiates through a probability target too (soft labels from a model).
  testing::check_gradients(
      [](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], in[1]); },
      {sample({3, 4}), F::softmax(sample({3, 4}, 1.0f, 0.2f), 1).detach()},
      "cross_entropy probabilities (d/d logits and target)");
}

TEST_CASE("nn::CrossEntropyLoss: loss(input, target), torch's repr, and forward(x) alone throws") {
  nn::CrossEntropyLoss criterion;
  const Tensor logits = sample({3, 4});
  const Tensor target = Tensor::from_vector({3}, {3, 1, 0}, Dtype::Int64);
  CHECK(criterion(logits, target).item() == F::cross_entropy(logits, target).item());
  const json modules = testing::load_golden("torch/repr.json").at("modules");
  bool found = false;
  for (const auto& m : modules) {
    if (m.at("expr") == "nn.CrossEntropyLoss()") {
      CHECK(criterion.repr() == m.at("str").get<std::string>());
      found = true;
    }
  }
  CHECK(found);
  nn::Module& as_module = criterion;
  const std::string msg = error_message([&] { as_module.forward(logits); });
  CHECK(contains(msg, "loss(input, target)"));
  CHECK(contains(msg, "[3, 4]"));
}

TEST_CASE("cross_entropy errors name the bad row, value or shape") {
  const Tensor logits = Tensor::zeros({64, 10});
  std::vector<float> labels(64, 1.0f);
  labels[3] = 10.0f;
  std::string msg = error_message([&] {
    F::cross_entropy(logits, Tensor::from_vector({64}, labels, Dtype::Int64));
  });
  CHECK(contains(msg, "cross_entropy: target[3] = 10 is out of range for 10 classes (expected 0..9)"));
  labels[3] = 1.0f;
  labels[17] = -1.0f;
  msg = error_message([&] { F::cross_entropy(logits, Tensor::from_vector({64}, labels)); });
  CHECK(contains(msg, "target[17] = -1"));
  labels[17] = 2.5f;
  msg = error_message([&] { F::cross_entropy(logits, Tensor::from_vector({64}, labels)); });
  CHECK(contains(msg, "target[17] = 2.5"));
  CHECK(contains(msg, "not a class index"));

  msg = error_message([&] { F::cross_entropy(logits, Tensor::zeros({64, 9})); });
  CHECK(contains(msg, "expected target [N, C] = [64, 10], got [64, 9]"));
  msg = error_message([&] { F::cross_entropy(logits, Tensor::zeros({63}, Dtype::Int64)); });
  CHECK(contains(msg, "[64]"));
  CHECK(contains(msg, "got [63]"));
  msg = error_message([&] { F::cross_entropy(logits, Tensor::zeros({64, 10}, Dtype::Int64)); });
  CHECK(contains(msg, "float32"));
  CHECK(contains(msg, "int64"));
  msg = error_message([&] { F::cross_entropy(logits, Tensor::zeros({64, 10, 1})); });
  CHECK(contains(msg, "got [64, 10, 1]"));
  msg = error_message([&] { F::cross_entropy(Tensor::zeros({10}), Tensor::zeros({1}, Dtype::Int64)); });
  CHECK(contains(msg, "expected input (logits) [N, C], got [10]"));
  msg = error_message([&] { F::cross_entropy(Tensor::zeros({2, 3, 4}), Tensor::zeros({2}, Dtype::Int64)); });
  CHECK(contains(msg, "got [2, 3, 4]"));
  msg = error_message([&] { F::cross_entropy(Tensor::zeros({0, 3}), Tensor::zeros({0}, Dtype::Int64)); });
  CHECK(contains(msg, "[0, 3]"));

  msg = error_message([] { F::softmax(Tensor::zeros({2, 3}), 2); });
  CHECK(contains(msg, "dim 2"));
  CHECK(contains(msg, "[2, 3]"));
  msg = error_message([] { F::log_softmax(Tensor::zeros({2, 3}), -3); });
  CHECK(contains(msg, "dim -3"));
  msg = error_message([] { F::softmax(Tensor::zeros({2}, Dtype::Int64), 0); });
  CHECK(contains(msg, "int64"));
}
