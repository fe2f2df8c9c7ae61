// A whole CNN block against PyTorch 1.13 (golden ops.json "cnn_chain"):
// Conv2d(2,4,3,1,1) -> ReLU -> MaxPool2d(2) -> BatchNorm2d(4) -> Flatten -> Linear(64,5),
// train mode, cross-entropy on class indices: every activation, the loss, the gradient of
// the input and of every parameter, BatchNorm's buffers afterwards, then eval mode.
#include "testing.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <nnkit/functional.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/batch_norm.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/flatten.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/nn/loss.hpp>
#include <nnkit/nn/pooling.hpp>
#include <nnkit/nn/sequential.hpp>

using namespace nnkit;
using nnkit::testing::json;
using nnkit::testing::tensor_from_json;

namespace {

// torch 1.13 (Debian's build) runs these convolutions through oneDNN, whose summation order
// im2col + sgemm does not reproduce; where a value is small only because its terms cancel,
// both land ~1 ulp of the terms away from the exact value. torch itself is 3.3e-5 from
// the float64 result on activation 0 and 2.2e-5 on grad 0.weight in the plain metric
// (relative to max(|expected|, 1e-3)). So, as test_conv2d does: 1e-5 relative to
// max(|expected|, 1e-3, 1% of the tensor's largest magnitude) (testing::cancellation_floor).
// The message gives both.
void compare(const Tensor& got, const Tensor& expected, const std::string& what,
             double floor = -1.0) {
  if (floor < 0) floor = testing::cancellation_floor(expected);
  testing::check_close(got, expected, what, 1e-5, floor);
  MESSAGE(what << ": max relative error " << testing::max_relative_error(got, expected, floor)
               << " (floor " << floor << "; with floor 1e-3: "
               << testing::max_relative_error(got, expected) << ")");
}

nn::Sequential make_chain() {
  return nn::Sequential(nn::Conv2d(2, 4, 3, 1, 1), nn::ReLU(), nn::MaxPool2d(2), nn::BatchNorm2d(4),
                        nn::Flatten(), nn::Linear(4 * 4 * 4, 5));
}

// Copies the golden parameters into the model, matched by torch's names ("0.weight", ...).
void load_parameters(const nn::Module& model, const json& params) {
  const auto named = model.named_parameters();
  REQUIRE(named.size() == params.size());
  for (const auto& [name, tensor] : named) {
    CAPTURE(name);
    REQUIRE(params.contains(name));
    testing::copy_into(tensor, tensor_from_json(params.at(name)));
  }
}

}  // namespace

TEST_CASE("CNN chain in train mode equals torch: activations, loss, all gradients, buffers") {
  const json& g = testing::torch_golden("ops.json").at("cnn_chain");
  nn::Sequential model = make_chain();
  CHECK(model.repr() == g.at("str_model").get<std::string>());
  load_parameters(model, g.at("params"));
  model.train();

  Tensor x = tensor_from_json(g.at("x"), true);
  const Tensor target = tensor_from_json(g.at("target"));
  const auto& activations = g.at("activations");
  REQUIRE(activations.size() == model.size());
  Tensor h = x;
  for (std::size_t i = 0; i < model.size(); ++i) {
    h = model[i](h);
    compare(h, tensor_from_json(activations[i]), fmt::format("activation {} ({})", i, model[i].name()));
  }
  compare(h, tensor_from_json(g.at("out")), "out");
  Tensor loss = F::cross_entropy(h, target);
  compare(loss, tensor_from_json(g.at("loss")), "loss");
  loss.backward();

  compare(x.grad(), tensor_from_json(g.at("grad_x")), "grad_x");
  const auto& grads = g.at("grads");
  int checked = 0;
  for (const auto& [name, parameter] : model.named_parameters()) {
    CAPTURE(name);
    REQUIRE(grads.contains(name));
    const Tensor expected = tensor_from_json(grads.at(name));
    if (name != "0.bias") {
      compare(parameter.grad(), expected, "grad " + name);
    } else {
      // The conv bias gradient of channel c is Σ dL/dconv[:, c]: what ReLU lets through of
      // BatchNorm's train-mode input gradient, which sums to exactly zero per channel. In
      // channel 1 every pooling window has a positive value, so its exact gradient is 0 and
      // torch's −7e-9 is rounding noise of 48 terms summing |.| = 1.36; no relative
      // comparison is meaningful there. Such elements must be zero to 1e-6 absolute, the
      // others (0.12, 0.065, 0.013) within 1e-5 relative.
      const Tensor got = parameter.grad();
      int zeros = 0;
      for (std::int64_t c = 0; c < expected.numel(); ++c) {
        CAPTURE(c);
        const float e = expected.data()[c], v = got.data()[c];
        if (std::abs(e) < 1e-6f) {
          CHECK(std::abs(v) < 1e-6f);
          ++zeros;
        } else {
          CHECK(std::abs(v - e) <= 1e-5 * std::abs(e));
        }
      }
      CHECK(zeros == 1);
      MESSAGE("grad 0.bias: got " << got.data()[0] << ", " << got.data()[1] << ", " << got.data()[2]
              << ", " << got.data()[3] << "; torch " << expected.data()[0] << ", " << expected.data()[1]
              << ", " << expected.data()[2] << ", " << expected.data()[3] << "; max relative error "
              "on the non-zero channels "
              << std::max({std::abs(got.data()[0] / expected.data()[0] - 1.0f),
                           std::abs(got.data()[2] / expected.data()[2] - 1.0f),
                           std::abs(got.data()[3] / expected.data()[3] - 1.0f)}));
    }
    ++checked;
  }
  CHECK(checked == static_cast<int>(grads.size()));

  // BatchNorm's buffers after the one training forward, under torch's names.
  const auto& buffers = g.at("buffers_after");
  const auto named_buffers = model.named_buffers();
  REQUIRE(named_buffers.size() == buffers.size());
  for (const auto& [name, buffer] : named_buffers) {
    CAPTURE(name);
    REQUIRE(buffers.contains(name));
    const json& expected = buffers.at(name);
    if (expected.is_number()) {  // num_batches_tracked: a 0-d int64, stored as a number
      CHECK(buffer.dtype() == Dtype::Int64);
      CHECK(buffer.dim() == 0);
      CHECK(buffer.item() == expected.get<float>());
    } else {
      compare(buffer, tensor_from_json(expected), "buffer " + name);
    }
  }

  // Then eval mode on the same x: BatchNorm uses the running statistics just updated.
  model.eval();
  NoGradGuard no_grad;
  compare(model(x), tensor_from_json(g.at("out_eval_after")), "out in eval mode afterwards");
  CHECK(model.named_buffers()[2].second.item() == 1.0f);  // eval does not count batches
}

TEST_CASE("CNN chain through Sequential::forward and nn::CrossEntropyLoss gives the same loss") {
  const json& g = testing::torch_golden("ops.json").at("cnn_chain");
  nn::Sequential model = make_chain();
  load_parameters(model, g.at("params"));
  nn::CrossEntropyLoss criterion;
  Tensor loss = criterion(model(tensor_from_json(g.at("x"))), tensor_from_json(g.at("target")));
  compare(loss, tensor_from_json(g.at("loss")), "loss via Sequential and CrossEntropyLoss");
  loss.backward();
  compare(model.at<nn::BatchNorm2d>(3).weight.grad(), tensor_from_json(g.at("grads").at("3.weight")),
          "grad 3.weight via Sequential");
}
