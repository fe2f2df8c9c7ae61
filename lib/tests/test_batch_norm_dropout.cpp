// functional::batch_norm_dropout and nn::Sequential's use of it: the fused pass must give the
// chain dropout(batch_norm(x), p)'s output, running statistics, random draws and gradients
// bit for bit — in training and eval batch norm, with and without affine parameters, on
// planes of 14x14 and 1x1, with NaN, and for p = 0, 0.3, 0.5 and 1.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

#include <nnkit/functional.hpp>
#include <nnkit/nn/batch_norm.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/dropout.hpp>
#include <nnkit/nn/sequential.hpp>
#include <nnkit/random/generator.hpp>

#include "testing.hpp"

using nnkit::Tensor;
namespace F = nnkit::functional;
namespace nn = nnkit::nn;
using nnkit::testing::check_same_bits;
using nnkit::testing::random_tensor;

namespace {

struct Case {
  std::int64_t n, c, h, w;
  bool training, affine, nan;
  double p;
};

// One run's leaves, buffers and results, so that the fused and the chained run are separate.
struct Run {
  Tensor x, weight, bias, running_mean, running_var, out;
  std::uint64_t draws = 0;
};

Run make_run(const Case& c, unsigned seed) {
  auto leaf = [](const Tensor& t) { return t.detach().clone().requires_grad_(true); };
  Run run;
  Tensor x = random_tensor({c.n, c.c, c.h, c.w}, seed);
  if (c.nan) x.data()[c.w + 1] = std::numeric_limits<float>::quiet_NaN();
  run.x = leaf(x);
  if (c.affine) {
    run.weight = leaf(random_tensor({c.c}, seed + 1));
    run.bias = leaf(random_tensor({c.c}, seed + 2));
  }
  run.running_mean = random_tensor({c.c}, seed + 3);
  Tensor variance = random_tensor({c.c}, seed + 4);
  for (std::int64_t i = 0; i < c.c; ++i) variance.data()[i] = 0.5f + std::fabs(variance.data()[i]);
  run.running_var = variance;
  return run;
}

void check_case(const Case& c, unsigned seed) {
  const std::string what = fmt::format("x [{}, {}, {}, {}], training {}, affine {}, NaN {}, p {}",
                                        c.n, c.c, c.h, c.w, c.training, c.affine, c.nan, c.p);
  INFO(what);
  constexpr double kMomentum = 0.1, kEps = 1e-5;
  constexpr std::uint64_t kSeed = 1234;

  Run fused = make_run(c, seed);
  nnkit::manual_seed(kSeed);
  fused.out = F::batch_norm_dropout(fused.x, fused.running_mean, fused.running_var, fused.weight,
                                    fused.bias, c.training, kMomentum, kEps, c.p);
  fused.draws = nnkit::default_generator().draws();

  Run chain = make_run(c, seed);
  nnkit::manual_seed(kSeed);
  chain.out = F::dropout(F::batch_norm(chain.x, chain.running_mean, chain.running_var,
                                       chain.weight, chain.bias, c.training, kMomentum, kEps),
                         c.p, true);
  chain.draws = nnkit::default_generator().draws();

  check_same_bits(fused.out, chain.out, "output");
  CHECK(fused.draws == chain.draws);
  check_same_bits(fused.running_mean, chain.running_mean, "running_mean");
  check_same_bits(fused.running_var, chain.running_var, "running_var");

  const Tensor upstream = random_tensor(fused.out.shape(), seed + 5);
  fused.out.backward(upstream);
  chain.out.backward(upstream);
  check_same_bits(fused.x.grad(), chain.x.grad(), "grad_input");
  if (c.affine) {
    check_same_bits(fused.weight.grad(), chain.weight.grad(), "grad_weight");
    check_same_bits(fused.bias.grad(), chain.bias.grad(), "grad_bias");
  }
}

}  // namespace

TEST_CASE("batch_norm_dropout equals dropout(batch_norm(x), p) bit for bit") {
  const Case cases[] = {
      // The CNN's first BatchNorm2d on 40 images: several blocks of channels per thread.
      {40, 32, 14, 14, true, true, false, 0.3},
      // Odd planes and a NaN: the NaN's channel is NaN throughout, the others unaffected.
      {7, 5, 3, 3, true, true, true, 0.3},
      // The last block's 1x1 planes, no affine parameters, half dropped.
      {9, 16, 1, 1, true, false, false, 0.5},
      // Batch norm in eval mode (running statistics) before a training dropout.
      {6, 4, 5, 5, false, true, false, 0.3},
      // p = 1 drops everything without drawing; p = 0 is batch norm alone, no draws.
      {4, 3, 4, 4, true, true, false, 1.0},
      {4, 3, 4, 4, true, true, false, 0.0},
  };
  unsigned seed = 100;
  for (const Case& c : cases) {
    check_case(c, seed);
    seed += 10;
  }
}

TEST_CASE("batch_norm_dropout rejects p outside [0, 1] with dropout's message") {
  const Tensor x = random_tensor({2, 3, 2, 2}, 1);
  const std::string fused = nnkit::testing::error_message([&] {
    F::batch_norm_dropout(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5, 1.5);
  });
  const std::string chain = nnkit::testing::error_message([&] { F::dropout(x, 1.5, true); });
  CHECK(!fused.empty());
  CHECK(fused == chain);
}

TEST_CASE("Sequential runs BatchNorm2d, Dropout fused in training, with the modules' results") {
  // Two models with the same initial values, one run by Sequential (fused), one module by
  // module (unfused), each from the same generator state.
  auto make_model = [] {
    nnkit::manual_seed(3);
    return nn::Sequential(nn::BatchNorm2d(2), nn::Dropout(0.3), nn::Conv2d(2, 4, 3, 1, 1),
                          nn::BatchNorm2d(4), nn::Dropout(0.5));
  };
  nn::Sequential fused_model = make_model();
  nn::Sequential chain_model = make_model();
  const Tensor x = random_tensor({5, 2, 6, 6}, 7);

  for (const bool training : {true, false}) {
    INFO("training " << training);
    fused_model.train(training);
    chain_model.train(training);
    fused_model.zero_grad();
    chain_model.zero_grad();
    nnkit::manual_seed(9);
    const Tensor by_sequential = fused_model.forward(x);
    const std::uint64_t fused_draws = nnkit::default_generator().draws();
    nnkit::manual_seed(9);
    Tensor by_module = x;
    for (std::size_t i = 0; i < chain_model.size(); ++i) by_module = chain_model[i].forward(by_module);
    CHECK(nnkit::default_generator().draws() == fused_draws);
    check_same_bits(by_sequential, by_module, "Sequential vs module by module");
    // The fused pass did run in training (its node ends the graph); in eval nothing is fused.
    if (training) {
      REQUIRE(by_sequential.grad_fn() != nullptr);
      CHECK(by_sequential.grad_fn()->name() == "NativeBatchNormDropoutBackward");
      CHECK(by_module.grad_fn()->name() == "MulBackward0");
    }
    for (const std::size_t index : {0u, 3u}) {
      const auto& fused_norm = fused_model.at<nn::BatchNorm2d>(index);
      const auto& chain_norm = chain_model.at<nn::BatchNorm2d>(index);
      check_same_bits(fused_norm.running_mean, chain_norm.running_mean, "running_mean");
      check_same_bits(fused_norm.running_var, chain_norm.running_var, "running_var");
      CHECK(fused_norm.num_batches_tracked.data()[0] == chain_norm.num_batches_tracked.data()[0]);
    }
    if (!training) continue;  // eval: no graph needed
    by_sequential.sum().backward();
    by_module.sum().backward();
    check_same_bits(fused_model.at<nn::BatchNorm2d>(0).weight.grad(),
                    chain_model.at<nn::BatchNorm2d>(0).weight.grad(), "first batch norm weight grad");
    check_same_bits(fused_model.at<nn::Conv2d>(2).weight.grad(),
                    chain_model.at<nn::Conv2d>(2).weight.grad(), "conv weight grad");
  }
}

TEST_CASE("BatchNorm2d::forward_dropout with p out of range changes nothing") {
  // A Dropout's p is a public member: it can be set out of range after construction.
  nn::BatchNorm2d norm(3);
  const Tensor x = random_tensor({4, 3, 2, 2}, 5);
  const std::string message =
      nnkit::testing::error_message([&] { norm.forward_dropout(x, -0.5); });
  CHECK(nnkit::testing::contains(message, "p = -0.5"));
  CHECK(norm.num_batches_tracked.data()[0] == 0.0f);
  CHECK(norm.running_mean.data()[0] == 0.0f);
  CHECK(norm.running_var.data()[0] == 1.0f);

  // In a Sequential such a pair is not fused: the chain fails in Dropout, as unfused.
  nn::Sequential model(nn::BatchNorm2d(3), nn::Dropout(0.3));
  model.at<nn::Dropout>(1).p = 1.5;
  const std::string chain_message = nnkit::testing::error_message([&] { model.forward(x); });
  CHECK(nnkit::testing::contains(chain_message, "p = 1.5"));
  CHECK(model.at<nn::BatchNorm2d>(0).num_batches_tracked.data()[0] == 1.0f);
}
