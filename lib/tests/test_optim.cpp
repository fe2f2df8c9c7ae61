// Optimisers against PyTorch 1.13: the nine 10-step SGD/Adam trajectories of
// golden/torch/optim.json (Linear(4, 3) + cross_entropy), a naive double-precision
// reference for AMSGrad (not in the golden file), and torch's argument checks.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testing.hpp"

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/optim/adam.hpp>
#include <nnkit/optim/sgd.hpp>

using namespace nnkit;
using nnkit::testing::copy_into;
using nnkit::testing::error_message;
using nnkit::testing::json;

namespace {

/// The optimiser a run of optim.json describes, with every option it records.
std::unique_ptr<optim::Optimizer> make_optimizer(const json& run, std::vector<Tensor> params) {
  const json& o = run.at("options");
  if (run.at("optimizer") == "SGD") {
    return std::make_unique<optim::SGD>(std::move(params),
                                        optim::SGDOptions(o.at("lr").get<double>())
                                            .momentum(o.at("momentum").get<double>())
                                            .dampening(o.at("dampening").get<double>())
                                            .weight_decay(o.at("weight_decay").get<double>())
                                            .nesterov(o.at("nesterov").get<bool>()));
  }
  REQUIRE(run.at("optimizer") == "Adam");
  return std::make_unique<optim::Adam>(std::move(params),
                                       optim::AdamOptions(o.at("lr").get<double>())
                                           .betas({o.at("betas")[0].get<double>(), o.at("betas")[1].get<double>()})
                                           .eps(o.at("eps").get<double>())
                                           .weight_decay(o.at("weight_decay").get<double>())
                                           .amsgrad(o.at("amsgrad").get<bool>()));
}

constexpr double kGradFloor = 1e-2;

}  // namespace

TEST_CASE("SGD and Adam follow torch's 10-step trajectories on Linear(4, 3) + cross_entropy") {
  const json golden = testing::load_golden("torch/optim.json");
  const json& problem = golden.at("problem");
  const Tensor x = testing::tensor_from_json(problem.at("x"));
  const Tensor target = testing::tensor_from_json(problem.at("target"));
  const Tensor weight0 = testing::tensor_from_json(problem.at("weight0"));
  const Tensor bias0 = testing::tensor_from_json(problem.at("bias0"));
  REQUIRE(golden.at("runs").size() == 9);

  for (const json& run : golden.at("runs")) {
    const std::string name = run.at("name");
    CAPTURE(name);
    nn::Linear model(problem.at("in_features").get<std::int64_t>(),
                     problem.at("out_features").get<std::int64_t>());
    copy_into(model.weight, weight0);
    copy_into(model.bias, bias0);
    auto optimizer = make_optimizer(run, model.parameters());

    double worst = 0.0, worst_grad = 0.0;  // max relative error: loss and parameters; grads
    int step = 0;
    for (const json& expected : run.at("steps")) {
      const std::string at = fmt::format("{} step {}", name, step++);
      optimizer->zero_grad();
      const Tensor loss = F::cross_entropy(model(x), target);
      loss.backward();

      const Tensor expected_loss = Tensor::scalar(expected.at("loss").get<float>());
      const Tensor grad_w = testing::tensor_from_json(expected.at("grad").at("weight"));
      const Tensor grad_b = testing::tensor_from_json(expected.at("grad").at("bias"));
      testing::check_close(loss, expected_loss, at + " loss");
      // Gradients: relative to their own scale. They are means of 8 terms of size ~0.1 that
      // cancel as training converges; linear/cross_entropy round those terms a few ulp
      // (~1e-8) differently from torch, so an element of 1e-4 cannot agree to 1e-5 of
      // itself. Below kGradFloor the bound is absolute: 1e-5 · kGradFloor = 1e-7.
      testing::check_close(model.weight.grad(), grad_w, at + " weight.grad", 1e-5, kGradFloor);
      testing::check_close(model.bias.grad(), grad_b, at + " bias.grad", 1e-5, kGradFloor);

      optimizer->step();

      const Tensor weight = testing::tensor_from_json(expected.at("weight"));
      const Tensor bias = testing::tensor_from_json(expected.at("bias"));
      testing::check_close(model.weight, weight, at + " weight");
      testing::check_close(model.bias, bias, at + " bias");
      CHECK(model.weight.is_leaf());  // the update recorded no graph

      worst = std::max({worst, testing::max_relative_error(loss, expected_loss),
                        testing::max_relative_error(model.weight, weight),
                        testing::max_relative_error(model.bias, bias)});
      worst_grad = std::max({worst_grad, testing::max_relative_error(model.weight.grad(), grad_w, kGradFloor),
                             testing::max_relative_error(model.bias.grad(), grad_b, kGradFloor)});
    }
    MESSAGE(fmt::format("{:<52} max relative error vs torch: loss+params {:.3g}, grads {:.3g}",
                        name, worst, worst_grad));
  }
}

namespace {

/// Textbook Adam/AMSGrad in double, one scalar parameter per element, as the reference.
struct ReferenceAdam {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad;
  std::vector<double> m, v, v_max;
  int t = 0;

  void step(std::vector<double>& p, const std::vector<double>& grad) {
    if (m.empty()) m.assign(p.size(), 0.0), v.assign(p.size(), 0.0), v_max.assign(p.size(), 0.0);
    ++t;
    for (std::size_t k = 0; k < p.size(); ++k) {
      const double g = grad[k] + weight_decay * p[k];
      m[k] = beta1 * m[k] + (1 - beta1) * g;
      v[k] = beta2 * v[k] + (1 - beta2) * g * g;
      v_max[k] = std::max(v_max[k], v[k]);
      const double second = amsgrad ? v_max[k] : v[k];
      const double denom = std::sqrt(second) / std::sqrt(1 - std::pow(beta2, t)) + eps;
      p[k] -= lr / (1 - std::pow(beta1, t)) * m[k] / denom;
    }
  }
};

}  // namespace

TEST_CASE("Adam with amsgrad matches a double-precision reference") {
  // Gradients that shrink after a few steps, so max(v̂) departs from v and amsgrad matters.
  const std::vector<std::vector<double>> grads = {
      {1.0, -2.0, 0.5}, {0.8, -1.5, 0.4}, {0.1, -0.1, 0.05}, {0.02, 0.3, -0.01}, {-0.05, 0.01, 0.02}};
  for (bool amsgrad : {false, true}) {
    CAPTURE(amsgrad);
    Tensor p = Tensor::from_vector({3}, {0.5f, -0.25f, 1.0f}).requires_grad_();
    std::vector<double> reference = {0.5, -0.25, 1.0};
    optim::Adam adam({p}, optim::AdamOptions(0.05).betas({0.8, 0.95}).weight_decay(0.01).amsgrad(amsgrad));
    ReferenceAdam ref{0.05, 0.8, 0.95, 1e-8, 0.01, amsgrad, {}, {}, {}};
    for (const auto& g : grads) {
      p.set_grad(Tensor::from_vector({3}, std::vector<float>(g.begin(), g.end())));
      adam.step();
      ref.step(reference, g);
      const Tensor expected = Tensor::from_vector({3}, std::vector<float>(reference.begin(), reference.end()));
      testing::check_close(p, expected, amsgrad ? "amsgrad" : "adam", 1e-5);
    }
  }
}

TEST_CASE("SGD Nesterov with weight decay matches a double-precision reference") {
  Tensor p = Tensor::from_vector({2}, {1.0f, -2.0f}).requires_grad_();
  std::vector<double> q = {1.0, -2.0}, buf;
  optim::SGD sgd({p}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.1));
  const std::vector<std::vector<double>> grads = {{0.5, -1.0}, {0.25, 0.5}, {-0.125, 0.75}};
  for (const auto& g : grads) {
    p.set_grad(Tensor::from_vector({2}, std::vector<float>(g.begin(), g.end())));
    sgd.step();
    std::vector<double> d(2);
    for (int k = 0; k < 2; ++k) d[k] = g[k] + 0.1 * q[k];
    if (buf.empty()) {
      buf = d;
    } else {
      for (int k = 0; k < 2; ++k) buf[k] = 0.9 * buf[k] + d[k];
    }
    for (int k = 0; k < 2; ++k) q[k] -= 0.1 * (d[k] + 0.9 * buf[k]);
    testing::check_close(p, Tensor::from_vector({2}, {float(q[0]), float(q[1])}), "nesterov", 1e-6);
  }
}

TEST_CASE("optimizer base: torch's parameter checks") {
  CHECK(error_message([] { optim::SGD({}, 0.1); }) == "optimizer got an empty parameter list");
  CHECK(error_message([] { optim::Adam(std::vector<Tensor>{}); }) == "optimizer got an empty parameter list");

  Tensor frozen = Tensor::zeros({2, 3});
  CHECK(error_message([&] { optim::SGD({frozen}, 0.1); }).find("does not require grad") != std::string::npos);
  CHECK(error_message([&] { optim::SGD({frozen}, 0.1); }).find("[2, 3]") != std::string::npos);

  Tensor leaf = Tensor::ones({2}).requires_grad_();
  Tensor non_leaf = leaf * 2.0f;
  CHECK(error_message([&] { optim::Adam({non_leaf}); }).find("non-leaf") != std::string::npos);
  CHECK(error_message([&] { optim::SGD({Tensor()}, 0.1); }).find("undefined") != std::string::npos);
  CHECK(error_message([&] { optim::SGD({leaf, leaf}, 0.1); }).find("same tensor") != std::string::npos);
}

TEST_CASE("SGD: torch's option checks name the bad value") {
  Tensor p = Tensor::ones({2}).requires_grad_();
  CHECK_THROWS_WITH_AS(optim::SGD({p}, -0.1), doctest::Contains("learning rate: -0.1"), Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p}, optim::SGDOptions(0.1).momentum(-0.5)),
                       doctest::Contains("momentum value: -0.5"), Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p}, optim::SGDOptions(0.1).weight_decay(-0.01)),
                       doctest::Contains("weight_decay value: -0.01"), Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)),
                       doctest::Contains("Nesterov momentum requires a momentum and zero dampening"), Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                       doctest::Contains("dampening=0.1"), Error);
  CHECK_NOTHROW(optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true)));
  CHECK_NOTHROW(optim::SGD({p}, 0.0));  // lr = 0 is allowed, as in torch

  const optim::SGDOptions defaults(0.5);
  CHECK(defaults.lr() == 0.5);
  CHECK(defaults.momentum() == 0.0);
  CHECK(defaults.dampening() == 0.0);
  CHECK(defaults.weight_decay() == 0.0);
  CHECK_FALSE(defaults.nesterov());
}

TEST_CASE("Adam: torch's defaults and option checks") {
  Tensor p = Tensor::ones({2}).requires_grad_();
  const optim::AdamOptions defaults;
  CHECK(defaults.lr() == 1e-3);
  CHECK(defaults.betas() == std::pair<double, double>{0.9, 0.999});
  CHECK(defaults.eps() == 1e-8);
  CHECK(defaults.weight_decay() == 0.0);
  CHECK_FALSE(defaults.amsgrad());
  CHECK_THROWS_WITH_AS(optim::Adam({p}, -1e-3), doctest::Contains("learning rate: -0.001"), Error);
  CHECK_THROWS_WITH_AS(optim::Adam({p}, optim::AdamOptions().eps(-1e-8)),
                       doctest::Contains("epsilon value: -1e-08"), Error);
  CHECK_THROWS_WITH_AS(optim::Adam({p}, optim::AdamOptions().betas({1.0, 0.999})),
                       doctest::Contains("beta parameter at index 0: 1"), Error);
  CHECK_THROWS_WITH_AS(optim::Adam({p}, optim::AdamOptions().betas({0.9, -0.1})),
                       doctest::Contains("beta parameter at index 1: -0.1"), Error);
  CHECK_THROWS_WITH_AS(optim::Adam({p}, optim::AdamOptions().weight_decay(-1.0)),
                       doctest::Contains("weight_decay value: -1"), Error);
}

TEST_CASE("zero_grad zeroes in place; step skips parameters without a gradient") {
  Tensor a = Tensor::from_vector({2}, {1.0f, 2.0f}).requires_grad_();
  Tensor b = Tensor::from_vector({2}, {3.0f, 4.0f}).requires_grad_();
  optim::SGD sgd({a, b}, optim::SGDOptions(0.5).momentum(0.9));

  sgd.zero_grad();  // no grads yet: nothing to do
  CHECK_FALSE(a.grad().defined());

  (a * a).sum().backward();  // grad of a = 2a = [2, 4]; b gets none
  const Tensor grad = a.grad();
  sgd.step();
  CHECK(a.data()[0] == doctest::Approx(0.0));   // 1 − 0.5·2
  CHECK(a.data()[1] == doctest::Approx(0.0));   // 2 − 0.5·4
  CHECK(b.data()[0] == 3.0f);                  // skipped, as torch skips p.grad is None
  CHECK(b.data()[1] == 4.0f);
  CHECK(a.is_leaf());

  sgd.zero_grad();
  REQUIRE(a.grad().defined());
  CHECK(a.grad().is_same(grad));  // the same tensor, zeroed (set_to_none=False)
  CHECK(grad.data()[0] == 0.0f);
  CHECK(grad.data()[1] == 0.0f);

  // A zero gradient still steps (momentum carries on), unlike an undefined one.
  sgd.step();
  CHECK(a.data()[0] == doctest::Approx(-0.5 * 0.9 * 2.0));

  sgd.zero_grad(/*set_to_none=*/true);
  CHECK_FALSE(a.grad().defined());
  const float before = a.data()[0];
  sgd.step();
  CHECK(a.data()[0] == before);
}

TEST_CASE("Adam keeps a step count per parameter") {
  // b gets its first gradient one step later than a; its bias correction starts at step 1.
  Tensor a = Tensor::from_vector({1}, {1.0f}).requires_grad_();
  Tensor b = Tensor::from_vector({1}, {1.0f}).requires_grad_();
  optim::Adam adam({a, b}, 0.1);
  a.set_grad(Tensor::from_vector({1}, {0.5f}));
  adam.step();
  CHECK(a.data()[0] == doctest::Approx(0.9).epsilon(1e-6));  // first Adam step moves by lr
  CHECK(b.data()[0] == 1.0f);
  b.set_grad(Tensor::from_vector({1}, {0.5f}));
  adam.step();
  CHECK(b.data()[0] == doctest::Approx(0.9).epsilon(1e-6));
}

TEST_CASE("the update alone reproduces torch's: replay torch's gradients and parameters") {
  // Teacher forcing: before every step the parameters and gradients are set to torch's, so
  // only the optimiser's arithmetic is compared (the end-to-end test above also carries the
  // float noise of linear/cross_entropy). The state (momentum, moments) is built from
  // torch's gradients exactly as in torch.
  const json golden = testing::load_golden("torch/optim.json");
  const json& problem = golden.at("problem");
  for (const json& run : golden.at("runs")) {
    const std::string name = run.at("name");
    CAPTURE(name);
    Tensor weight = testing::tensor_from_json(problem.at("weight0"), true);
    Tensor bias = testing::tensor_from_json(problem.at("bias0"), true);
    auto optimizer = make_optimizer(run, {weight, bias});
    double worst = 0.0;
    std::int64_t exact = 0, total = 0;
    int step = 0;
    for (const json& expected : run.at("steps")) {
      const std::string at = fmt::format("{} step {}", name, step);
      if (step++ > 0) {
        const json& before = run.at("steps")[step - 2];
        copy_into(weight, testing::tensor_from_json(before.at("weight")));
        copy_into(bias, testing::tensor_from_json(before.at("bias")));
      }
      weight.set_grad(testing::tensor_from_json(expected.at("grad").at("weight")));
      bias.set_grad(testing::tensor_from_json(expected.at("grad").at("bias")));
      optimizer->step();
      for (const auto& [param, key] : {std::pair{weight, "weight"}, std::pair{bias, "bias"}}) {
        const Tensor want = testing::tensor_from_json(expected.at(key));
        testing::check_close(param, want, at + " " + key, 1e-6);
        worst = std::max(worst, testing::max_relative_error(param, want));
        for (std::int64_t i = 0; i < want.numel(); ++i) exact += param.data()[i] == want.data()[i];
        total += want.numel();
      }
    }
    MESSAGE(fmt::format("{:<52} replayed: {}/{} values bit-identical to torch, max relative error {:.3g}",
                        name, exact, total, worst));
  }
}
