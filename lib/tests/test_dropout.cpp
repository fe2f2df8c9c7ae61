// Dropout: masks bit-identical to PyTorch 1.13's CPU bernoulli (golden seeding.json),
// backward = mask · scale, identity in eval, p = 0 / p = 1, errors and repr.
#include "testing.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/nn/dropout.hpp>
#include <nnkit/random/generator.hpp>

using namespace nnkit;
using nnkit::testing::contains;
using nnkit::testing::error_message;
using nnkit::testing::json;
using nnkit::testing::tensor_from_json;
using nnkit::testing::torch_golden;

namespace {

// Bit-for-bit equality of two float32 tensors; names the first differing element.
void check_identical(const Tensor& got, const Tensor& expected, const std::string& what) {
  REQUIRE_MESSAGE(got.shape() == expected.shape(),
                  what << ": shape " << to_string(got.shape()) << ", expected " << to_string(expected.shape()));
  for (std::int64_t i = 0; i < expected.numel(); ++i) {
    if (std::memcmp(got.data() + i, expected.data() + i, sizeof(float)) != 0) {
      FAIL_CHECK(what << ": element " << i << " is " << got.data()[i] << ", expected "
                      << expected.data()[i]);
      return;
    }
  }
  MESSAGE(what << ": " << expected.numel() << " elements bit-identical to torch");
}

}  // namespace

TEST_CASE("dropout masks equal torch's bit for bit after manual_seed(42)") {
  const auto& g = torch_golden("seeding.json").at("dropout");
  const double p = g.at("p").get<double>();
  const float scale = g.at("scale").get<float>();
  CHECK(scale == 1.0f / static_cast<float>(1.0 - p));

  SUBCASE("F::dropout(ones(20), 0.3)") {
    manual_seed(g.at("ones_20").at("seed").get<std::uint64_t>());
    Tensor out = F::dropout(Tensor::ones({20}), p, true);
    check_identical(out, tensor_from_json(g.at("ones_20").at("out")), "ones_20");
  }
  SUBCASE("F::dropout(ones(2000), 0.3): the mask string and the number of zeros") {
    const auto& golden = g.at("ones_2000");
    manual_seed(golden.at("seed").get<std::uint64_t>());
    Tensor out = F::dropout(Tensor::ones({2000}), p, true);
    std::string mask;
    int zeros = 0;
    bool values_ok = true;
    for (std::int64_t i = 0; i < out.numel(); ++i) {
      const float v = out.data()[i];
      mask += v != 0.0f ? '1' : '0';
      zeros += v == 0.0f;
      values_ok = values_ok && (v == 0.0f || v == scale);
    }
    const auto expected = golden.at("mask").get<std::string>();
    REQUIRE(mask.size() == expected.size());
    const auto first_diff = std::mismatch(mask.begin(), mask.end(), expected.begin()).first - mask.begin();
    CHECK_MESSAGE(mask == expected, "masks differ first at element " << first_diff);
    CHECK(zeros == golden.at("num_zeros").get<int>());
    CHECK(values_ok);
    MESSAGE("ones_2000: mask identical: " << (mask == expected) << ", zeros " << zeros);
  }
  SUBCASE("nn::Dropout(0.3) in training mode on ones(2, 3, 4)") {
    const auto& golden = g.at("module_ones_2x3x4");
    manual_seed(golden.at("seed").get<std::uint64_t>());
    nn::Dropout drop(p);
    CHECK(drop.is_training());
    check_identical(drop(Tensor::ones({2, 3, 4})), tensor_from_json(golden.at("out")), "module_ones_2x3x4");
  }
  SUBCASE("nn::Dropout(0.3).eval() is the identity and draws nothing") {
    const auto& golden = g.at("eval_identity");
    manual_seed(42);
    Tensor x = rand({6});
    check_identical(x, tensor_from_json(golden.at("x")), "eval_identity x (rand(6) after seed 42)");
    nn::Dropout drop(p);
    drop.eval();
    Tensor y = drop(x);
    check_identical(y, tensor_from_json(golden.at("out")), "eval_identity out");
    CHECK(y.is_same(x));
    // No random draws in eval: the stream continues where rand(6) left it.
    const float next = rand({1}).item();
    manual_seed(42);
    rand({6});
    CHECK(rand({1}).item() == next);
  }
}

TEST_CASE("dropout backward is grad_out · mask · scale") {
  const std::int64_t n = 50;
  const float scale = 1.0f / 0.6f;
  manual_seed(7);
  const Tensor mask = F::dropout(Tensor::ones({n}), 0.4, true);  // values 0 or scale
  Tensor x = Tensor::empty({n});
  Tensor g = Tensor::empty({n});
  for (std::int64_t i = 0; i < n; ++i) {
    x.data()[i] = 0.5f + 0.1f * i;
    g.data()[i] = std::cos(0.3f * i);
  }
  x.requires_grad_(true);
  manual_seed(7);
  Tensor y = F::dropout(x, 0.4, true);
  REQUIRE(y.grad_fn());
  CHECK(y.grad_fn()->name() == "MulBackward0");
  y.backward(g);
  int dropped = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    CAPTURE(i);
    const float m = mask.data()[i];
    CHECK((m == 0.0f || m == scale));
    dropped += m == 0.0f;
    CHECK(y.data()[i] == x.data()[i] * m);
    CHECK(x.grad().data()[i] == g.data()[i] * m);
  }
  CHECK(dropped > 0);
  CHECK(dropped < n);
  // The same through finite differences, reseeding so every call draws the same mask.
  testing::check_gradients(
      [](const std::vector<Tensor>& in) {
        manual_seed(11);
        return F::dropout(in[0], 0.3, true);
      },
      {Tensor::from_vector({2, 5}, {0.1f, -0.4f, 0.9f, 1.3f, -2.0f, 0.7f, 0.2f, -0.6f, 1.1f, 0.3f})},
      "dropout");
}

TEST_CASE("dropout: eval and p = 0 are the identity, p = 1 gives zeros") {
  Tensor x = Tensor::from_vector({2, 3}, {1, -2, 3, -4, 5, -6});
  x.requires_grad_(true);
  CHECK(F::dropout(x, 0.5, false).is_same(x));
  CHECK(F::dropout(x, 0.0, true).is_same(x));
  manual_seed(3);
  const float before = rand({1}).item();
  manual_seed(3);
  Tensor y = F::dropout(x, 1.0, true);  // torch allows p = 1: everything dropped, no draws
  CHECK(rand({1}).item() == before);
  for (std::int64_t i = 0; i < y.numel(); ++i) CHECK(y.data()[i] == 0.0f);
  y.backward(Tensor::ones({2, 3}));
  for (std::int64_t i = 0; i < x.numel(); ++i) CHECK(x.grad().data()[i] == 0.0f);

  nn::Dropout drop(0.5);
  drop.eval();
  CHECK(drop(x).is_same(x));
  drop.train();
  manual_seed(5);
  Tensor trained = drop(x);
  CHECK_FALSE(trained.is_same(x));
}

TEST_CASE("dropout rejects p outside [0, 1], naming p") {
  const Tensor x = Tensor::ones({4});
  std::string msg = error_message([&] { F::dropout(x, 1.5, true); });
  CHECK(contains(msg, "p = 1.5"));
  msg = error_message([&] { F::dropout(x, -0.1, true); });
  CHECK(contains(msg, "p = -0.1"));
  msg = error_message([&] { F::dropout(x, -0.1, false); });  // checked in eval too, as torch
  CHECK(contains(msg, "p = -0.1"));
  msg = error_message([] { nn::Dropout(2.0); });
  CHECK(contains(msg, "p = 2"));
  msg = error_message([&] { F::dropout(Tensor::zeros({3}, Dtype::Int64), 0.5, true); });
  CHECK(contains(msg, "int64"));
}

TEST_CASE("Dropout prints as torch") {
  const json modules = testing::load_golden("torch/repr.json").at("modules");
  int found = 0;
  for (const auto& m : modules) {
    const auto expr = m.at("expr").get<std::string>();
    if (expr == "nn.Dropout(0.3)") {
      CHECK(nn::Dropout(0.3).repr() == m.at("str").get<std::string>());
      ++found;
    } else if (expr == "nn.Dropout()") {
      CHECK(nn::Dropout().repr() == m.at("str").get<std::string>());
      ++found;
    }
  }
  CHECK(found == 2);
  CHECK(nn::Dropout(0.0).repr() == "Dropout(p=0.0, inplace=False)");
  CHECK(nn::Dropout(1.0).repr() == "Dropout(p=1.0, inplace=False)");
}
