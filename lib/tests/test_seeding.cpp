// Seeding like torch's CPU generator: rand streams, randn's two code paths, and seeded
// Linear weights, all against lib/tests/golden/torch/seeding.json (PyTorch 1.13).
#include "testing.hpp"

#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/nn/sequential.hpp>
#include <nnkit/random/generator.hpp>

using namespace nnkit;
using nnkit::testing::json;

namespace {

// Bit-identical comparison: seeded values must be torch's exactly, not approximately.
void check_identical(const Tensor& got, const json& expected, const std::string& what) {
  const Tensor want = testing::tensor_from_json(expected);
  REQUIRE_MESSAGE(got.shape() == want.shape(), what << ": shape " << to_string(got.shape()));
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    if (got.data()[i] != want.data()[i]) {
      FAIL_CHECK(fmt::format("{}: element {} is {:.9g}, torch has {:.9g}", what, i, got.data()[i],
                             want.data()[i]));
      return;
    }
  }
}

// Large parameters are stored as a summary: first 50, last 10 values and exact sums.
void check_identical_summary(const Tensor& got, const json& summary, const std::string& what) {
  REQUIRE(got.numel() == summary.at("numel").get<std::int64_t>());
  const auto head = summary.at("head").get<std::vector<float>>();
  const auto tail = summary.at("tail").get<std::vector<float>>();
  for (std::size_t i = 0; i < head.size(); ++i) CHECK_MESSAGE(got.data()[i] == head[i], what << " head " << i);
  for (std::size_t i = 0; i < tail.size(); ++i) {
    CHECK_MESSAGE(got.data()[got.numel() - tail.size() + i] == tail[i], what << " tail " << i);
  }
  double sum = 0.0;
  for (std::int64_t i = 0; i < got.numel(); ++i) sum += got.data()[i];
  CHECK(sum == doctest::Approx(summary.at("sum").get<double>()).epsilon(1e-12));
}

void check_parameter(const Tensor& got, const json& expected, const std::string& what) {
  if (expected.contains("head")) check_identical_summary(got, expected, what);
  else check_identical(got, expected, what);
}

}  // namespace

TEST_CASE("MT19937 seeded like torch.manual_seed gives torch's first raw draws") {
  Generator generator(42);
  for (const auto& value : testing::torch_golden("seeding.json").at("mt19937_seed42_first8_u32")) {
    CHECK(generator.random() == value.get<std::uint32_t>());
  }
}

TEST_CASE("rand(shape) continues the stream exactly as torch.rand") {
  for (const auto& stream : testing::torch_golden("seeding.json").at("rand_streams")) {
    const auto seed = stream.at("seed").get<std::uint64_t>();
    CAPTURE(seed);
    manual_seed(seed);
    check_identical(rand({5}), stream.at("rand_5"), "rand(5)");
    check_identical(rand({3, 4}), stream.at("then_rand_3x4"), "then rand(3, 4)");
  }
}

TEST_CASE("randn below 16 elements is torch's double Box-Muller, bit for bit") {
  for (const auto& c : testing::torch_golden("seeding.json").at("randn")) {
    const auto n = c.at("n").get<std::int64_t>();
    CAPTURE(n);
    manual_seed(c.at("seed").get<std::uint64_t>());
    const Tensor got = randn({n});
    if (n < 16) {
      check_identical(got, c.at("values"), "randn");
    } else {
      // torch's vectorised float32 path (Sleef log/sin/cos) differs from std:: math in the
      // last bits; the draws and their layout are the same, so values agree closely.
      const Tensor want = testing::tensor_from_json(c.at("values"));
      const double error = testing::max_relative_error(got, want, 1e-2);
      MESSAGE("randn(" << n << ") max relative error vs torch: " << error);
      CHECK(error < 1e-5);
    }
  }
  const auto& stream = testing::torch_golden("seeding.json").at("randn_10_then_20");
  manual_seed(stream.at("seed").get<std::uint64_t>());
  check_identical(randn({10}), stream.at("first"), "randn(10)");
  const Tensor second = randn({20});
  CHECK(testing::max_relative_error(second, testing::tensor_from_json(stream.at("second")), 1e-2) < 1e-5);
}

TEST_CASE("seeded Linear holds torch's exact weights (kaiming_uniform then bias)") {
  for (const auto& [name, in, out] : std::vector<std::tuple<std::string, int, int>>{
           {"linear_4_3", 4, 3}, {"linear_5_10", 5, 10}, {"linear_784_32", 784, 32}}) {
    CAPTURE(name);
    const auto& c = testing::torch_golden("seeding.json").at("init").at(name);
    manual_seed(c.at("seed").get<std::uint64_t>());
    nn::Linear linear(in, out);
    check_parameter(linear.weight, c.at("weight"), name + ".weight");
    check_parameter(linear.bias, c.at("bias"), name + ".bias");
  }
}

TEST_CASE("the part-2 doc example: Sequential(Linear(5,10), ReLU(), Linear(10,3)) applied to rand(5)") {
  const auto& c = testing::torch_golden("seeding.json").at("sequential_5_10_3");
  manual_seed(c.at("seed").get<std::uint64_t>());
  nn::Sequential model(nn::Linear(5, 10), nn::ReLU(), nn::Linear(10, 3));
  for (const auto& [name, parameter] : model.named_parameters()) {
    check_identical(parameter, c.at("params").at(name), name);
  }
  const Tensor x = rand({5});
  check_identical(x, c.at("x"), "x");
  const Tensor y = model(x);
  testing::check_close(y, testing::tensor_from_json(c.at("out")), "model(x)", 1e-6);
  CHECK(repr(x) == c.at("repr_x").get<std::string>());
  CHECK(repr(y) == c.at("repr_out").get<std::string>());
  CHECK(repr(y.detach()) == c.at("repr_out_detached").get<std::string>());
  CHECK(model.repr() == c.at("str_model").get<std::string>());
}

TEST_CASE("the part-2 predict example continues the same stream") {
  const auto& c = testing::torch_golden("seeding.json").at("pytorch_ann_doc").at("ann_5_10_3");
  manual_seed(c.at("seed").get<std::uint64_t>());
  nn::Sequential model(nn::Linear(5, 10), nn::ReLU(), nn::Linear(10, 3));
  CHECK(repr(model(rand({5}))) == c.at("repr_forward_out").get<std::string>());
  model.eval();
  NoGradGuard no_grad;
  const Tensor x = rand({5, 5});
  check_identical(x, c.at("predict_x"), "predict x");
  const Tensor predicted = model(x).argmax(1);
  CHECK(repr(predicted) == c.at("repr_predict").get<std::string>());
}

TEST_CASE("the part-2 MLP 784-32-10 after manual_seed(42) equals torch's") {
  const auto& c = testing::torch_golden("seeding.json").at("mlp_784_32_10_init");
  manual_seed(c.at("seed").get<std::uint64_t>());
  nn::Sequential model(nn::Linear(784, 32), nn::ReLU(), nn::Linear(32, 10));
  for (const auto& [name, parameter] : model.named_parameters()) {
    check_parameter(parameter, c.at("params").at(name), name);
  }
}

TEST_CASE("Sequential(...) draws in argument order whatever order C++ built its arguments in") {
  manual_seed(7);
  nn::Sequential stepwise;
  stepwise.push_back(nn::Linear(3, 4));  // sequenced: left to right for sure
  stepwise.push_back(nn::ReLU());
  stepwise.push_back(nn::Linear(4, 2));
  const Tensor after_stepwise = rand({3});

  manual_seed(7);
  nn::Sequential variadic(nn::Linear(3, 4), nn::ReLU(), nn::Linear(4, 2));
  const auto a = stepwise.parameters(), b = variadic.parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::int64_t j = 0; j < a[i].numel(); ++j) REQUIRE(a[i].data()[j] == b[i].data()[j]);
  }
  // the stream continues where it would have: the next draw is the same
  const Tensor after_variadic = rand({3});
  for (int j = 0; j < 3; ++j) CHECK(after_variadic.data()[j] == after_stepwise.data()[j]);

  // nested: the inner Sequential counts as one stretch of draws
  manual_seed(7);
  nn::Sequential nested(nn::Sequential(nn::Linear(3, 4), nn::ReLU()), nn::Linear(4, 2));
  const auto c = nested.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::int64_t j = 0; j < a[i].numel(); ++j) REQUIRE(a[i].data()[j] == c[i].data()[j]);
  }
}
