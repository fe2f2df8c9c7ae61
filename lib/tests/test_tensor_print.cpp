// Tensor printing against PyTorch 1.13's repr: every tensor case of golden/torch/repr.json,
// plus a few extra layouts (non-finite values, suffix wrapping, summarised 3-D) whose
// strings were produced by the same torch. Strings must match exactly.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "testing.hpp"

#include <nnkit/functional.hpp>
#include <nnkit/tensor.hpp>

using namespace nnkit;
using nnkit::testing::json;

namespace {

/// torch.arange(numel).reshape(shape) as float32 (or int64).
Tensor arange(const Shape& shape, Dtype dtype = Dtype::Float32) {
  std::vector<float> values(static_cast<std::size_t>(numel_of(shape)));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  return Tensor::from_vector(shape, std::move(values), dtype);
}

/// CHECKs repr and operator<< against torch's repr, showing both strings on failure.
void check_repr(const Tensor& tensor, const std::string& expected, const std::string& name) {
  const std::string got = repr(tensor);
  CHECK_MESSAGE(got == expected, name << ":\n  got:\n" << got << "\n  expected (torch):\n" << expected);
  std::ostringstream streamed;
  streamed << tensor;
  CHECK_MESSAGE(streamed.str() == got, name << ": operator<< differs from repr");
}

/// The outputs of the ops the grad_fn cases ran in torch, rebuilt with nnkit's ops from the
/// recorded Linear(4, 3) parameters and input of "linear_out_2d".
struct GraphCases {
  Tensor weight, bias, x, linear_2d, linear_1d;

  explicit GraphCases(const json& inputs)
      : weight(testing::tensor_from_json(inputs.at("weight"), true)),
        bias(testing::tensor_from_json(inputs.at("bias"), true)),
        x(testing::tensor_from_json(inputs.at("x"))) {
    linear_2d = F::linear(x, weight, bias);
    const Tensor x0 = Tensor::from_vector({x.size(1)}, std::vector<float>(x.data(), x.data() + x.size(1)));
    linear_1d = F::linear(x0, weight, bias);  // lin(x[0])
  }

  /// The tensor for a grad_fn case, or an undefined one for a name this test does not know.
  Tensor build(const std::string& name) const {
    if (name == "linear_out_2d") return linear_2d;
    if (name == "linear_out_1d") return linear_1d;
    if (name == "relu_out") return F::relu(linear_2d);
    if (name == "softmax_out") return F::softmax(linear_2d, 1);
    if (name == "cross_entropy_class") {
      return F::cross_entropy(linear_2d, Tensor::from_vector({2}, {0, 2}, Dtype::Int64));
    }
    if (name == "cross_entropy_prob") {
      return F::cross_entropy(linear_2d, Tensor::from_vector({2, 3}, {1, 0, 0, 0, 0, 1}));
    }
    return {};
  }
};

}  // namespace

TEST_CASE("repr matches torch 1.13 for every tensor of repr.json") {
  const json golden = testing::load_golden("torch/repr.json");
  const json& options = golden.at("print_options");
  REQUIRE(options.at("precision") == 4);
  REQUIRE(options.at("threshold") == 1000);
  REQUIRE(options.at("edgeitems") == 3);
  REQUIRE(options.at("linewidth") == 80);

  // The grad_fn cases all start from the Linear(4, 3) recorded with "linear_out_2d".
  json graph_inputs;
  for (const json& c : golden.at("tensors")) {
    if (c.contains("inputs")) graph_inputs = c.at("inputs");
  }
  REQUIRE_MESSAGE(!graph_inputs.is_null(), "repr.json has no case with recorded inputs");
  std::unique_ptr<GraphCases> graph;
  int passed = 0, total = 0;
  std::vector<std::string> skipped;
  for (const json& c : golden.at("tensors")) {
    const std::string name = c.at("name");
    CAPTURE(name);
    ++total;
    const Tensor recorded = testing::tensor_from_json(c.at("tensor"));
    Tensor tensor;
    if (c.at("grad_fn").is_null()) {
      if (name == "accuracy_mean") {
        tensor = Tensor::from_vector({4}, {1, 0, 1, 1}).mean();  // run the op, as torch did
      } else {
        tensor = testing::tensor_from_json(c.at("tensor"), c.at("requires_grad").get<bool>());
      }
    } else {
      if (!graph) graph = std::make_unique<GraphCases>(graph_inputs);
      tensor = graph->build(name);
      if (!tensor.defined()) {
        skipped.push_back(name);
        continue;
      }
      REQUIRE(tensor.grad_fn());
      CHECK(tensor.grad_fn()->name() == c.at("grad_fn").get<std::string>());
      // Values within float noise of torch's, so a differing string is a printing bug.
      testing::check_close(tensor, recorded, name + " values", 1e-5, 1e-3);
    }
    REQUIRE(tensor.shape() == recorded.shape());
    CHECK(tensor.dtype() == recorded.dtype());
    CHECK(tensor.requires_grad() == c.at("requires_grad").get<bool>());
    const std::string expected = c.at("repr");
    REQUIRE(c.at("str") == expected);  // str() and repr() agree for tensors
    check_repr(tensor, expected, name);
    if (repr(tensor) == expected) ++passed;
  }
  std::string skipped_names;
  for (const auto& s : skipped) skipped_names += " " + s;
  MESSAGE("repr.json: " << passed << "/" << total << " cases match torch exactly; skipped:"
                        << (skipped.empty() ? std::string(" none") : skipped_names));
  CHECK(skipped.empty());
  CHECK(passed == total);
}

namespace {
struct ExtraCase {
  const char* name;
  const char* torch_expr;
  std::function<Tensor()> build;
  const char* repr;
};
constexpr float nan = std::numeric_limits<float>::quiet_NaN();
constexpr float inf = std::numeric_limits<float>::infinity();

// Generated with Debian's python3-torch 1.13: repr(eval(torch_expr)).
const std::vector<ExtraCase> kExtraCases = {
    {"nan_inf", "torch.tensor([1., float('nan'), float('inf'), -float('inf')])", [] { return Tensor::from_vector({4}, {1.0f, nan, inf, -inf}); },
     "tensor([1., nan, inf, -inf])"},
    {"nan_frac", "torch.tensor([0.5, float('nan'), -float('inf')])", [] { return Tensor::from_vector({3}, {0.5f, nan, -inf}); },
     "tensor([0.5000,    nan,   -inf])"},
    {"neg_zero", "torch.tensor([-0., 1.5])", [] { return Tensor::from_vector({2}, {-0.0f, 1.5f}); },
     "tensor([-0.0000, 1.5000])"},
    {"empty_int64", "torch.zeros(0, dtype=torch.int64)", [] { return Tensor::zeros({0}, Dtype::Int64); },
     "tensor([], dtype=torch.int64)"},
    {"empty_2x0_int64", "torch.zeros(2, 0, dtype=torch.int64)", [] { return Tensor::zeros({2, 0}, Dtype::Int64); },
     "tensor([], size=(2, 0), dtype=torch.int64)"},
    {"suffix_wraps", "(torch.arange(8.) / 3 - 1).requires_grad_()", [] { return (arange({8}) / 3.0f - 1.0f).detach().requires_grad_(); },
     "tensor([-1.0000, -0.6667, -0.3333,  0.0000,  0.3333,  0.6667,  1.0000,  1.3333],\n       requires_grad=True)"},
    {"suffix_wraps_2d", "(torch.arange(16.).reshape(2, 8) / 3 - 1).requires_grad_()", [] { return (arange({2, 8}) / 3.0f - 1.0f).detach().requires_grad_(); },
     "tensor([[-1.0000, -0.6667, -0.3333,  0.0000,  0.3333,  0.6667,  1.0000,  1.3333],\n        [ 1.6667,  2.0000,  2.3333,  2.6667,  3.0000,  3.3333,  3.6667,  4.0000]],\n       requires_grad=True)"},
    {"sci_wraps", "torch.arange(20.) * 1e-5 + 1e-6", [] { return arange({20}) * 1e-5f + 1e-6f; },
     "tensor([1.0000e-06, 1.1000e-05, 2.1000e-05, 3.1000e-05, 4.1000e-05, 5.1000e-05,\n        6.1000e-05, 7.1000e-05, 8.1000e-05, 9.1000e-05, 1.0100e-04, 1.1100e-04,\n        1.2100e-04, 1.3100e-04, 1.4100e-04, 1.5100e-04, 1.6100e-04, 1.7100e-04,\n        1.8100e-04, 1.9100e-04])"},
    {"zeros_2x2_requires_grad", "torch.zeros(2, 2).requires_grad_()", [] { return Tensor::zeros({2, 2}).requires_grad_(); },
     "tensor([[0., 0.],\n        [0., 0.]], requires_grad=True)"},
    {"row_1x30_wraps", "torch.arange(30.).reshape(1, 30) + 0.5", [] { return arange({1, 30}) + 0.5f; },
     "tensor([[ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,\n          8.5000,  9.5000, 10.5000, 11.5000, 12.5000, 13.5000, 14.5000, 15.5000,\n         16.5000, 17.5000, 18.5000, 19.5000, 20.5000, 21.5000, 22.5000, 23.5000,\n         24.5000, 25.5000, 26.5000, 27.5000, 28.5000, 29.5000]])"},
    {"fixed_3d_wraps", "torch.arange(216.).reshape(8, 3, 9) / 7", [] { return arange({8, 3, 9}) / 7.0f; },
     "tensor([[[ 0.0000,  0.1429,  0.2857,  0.4286,  0.5714,  0.7143,  0.8571,\n           1.0000,  1.1429],\n         [ 1.2857,  1.4286,  1.5714,  1.7143,  1.8571,  2.0000,  2.1429,\n           2.2857,  2.4286],\n         [ 2.5714,  2.7143,  2.8571,  3.0000,  3.1429,  3.2857,  3.4286,\n           3.5714,  3.7143]],\n\n        [[ 3.8571,  4.0000,  4.1429,  4.2857,  4.4286,  4.5714,  4.7143,\n           4.8571,  5.0000],\n         [ 5.1429,  5.2857,  5.4286,  5.5714,  5.7143,  5.8571,  6.0000,\n           6.1429,  6.2857],\n         [ 6.4286,  6.5714,  6.7143,  6.8571,  7.0000,  7.1429,  7.2857,\n           7.4286,  7.5714]],\n\n        [[ 7.7143,  7.8571,  8.0000,  8.1429,  8.2857,  8.4286,  8.5714,\n           8.7143,  8.8571],\n         [ 9.0000,  9.1429,  9.2857,  9.4286,  9.5714,  9.7143,  9.8571,\n          10.0000, 10.1429],\n         [10.2857, 10.4286, 10.5714, 10.7143, 10.8571, 11.0000, 11.1429,\n          11.2857, 11.4286]],\n\n        [[11.5714, 11.7143, 11.8571, 12.0000, 12.1429, 12.2857, 12.4286,\n          12.5714, 12.7143],\n         [12.8571, 13.0000, 13.1429, 13.2857, 13.4286, 13.5714, 13.7143,\n          13.8571, 14.0000],\n         [14.1429, 14.2857, 14.4286, 14.5714, 14.7143, 14.8571, 15.0000,\n          15.1429, 15.2857]],\n\n        [[15.4286, 15.5714, 15.7143, 15.8571, 16.0000, 16.1429, 16.2857,\n          16.4286, 16.5714],\n         [16.7143, 16.8571, 17.0000, 17.1429, 17.2857, 17.4286, 17.5714,\n          17.7143, 17.8571],\n         [18.0000, 18.1429, 18.2857, 18.4286, 18.5714, 18.7143, 18.8571,\n          19.0000, 19.1429]],\n\n        [[19.2857, 19.4286, 19.5714, 19.7143, 19.8571, 20.0000, 20.1429,\n          20.2857, 20.4286],\n         [20.5714, 20.7143, 20.8571, 21.0000, 21.1429, 21.2857, 21.4286,\n          21.5714, 21.7143],\n         [21.8571, 22.0000, 22.1429, 22.2857, 22.4286, 22.5714, 22.7143,\n          22.8571, 23.0000]],\n\n        [[23.1429, 23.2857, 23.4286, 23.5714, 23.7143, 23.8571, 24.0000,\n          24.1429, 24.2857],\n         [24.4286, 24.5714, 24.7143, 24.8571, 25.0000, 25.1429, 25.2857,\n          25.4286, 25.5714],\n         [25.7143, 25.8571, 26.0000, 26.1429, 26.2857, 26.4286, 26.5714,\n          26.7143, 26.8571]],\n\n        [[27.0000, 27.1429, 27.2857, 27.4286, 27.5714, 27.7143, 27.8571,\n          28.0000, 28.1429],\n         [28.2857, 28.4286, 28.5714, 28.7143, 28.8571, 29.0000, 29.1429,\n          29.2857, 29.4286],\n         [29.5714, 29.7143, 29.8571, 30.0000, 30.1429, 30.2857, 30.4286,\n          30.5714, 30.7143]]])"},
    {"summarized_3d_sci", "torch.arange(1200.).reshape(8, 3, 50) / 8", [] { return arange({8, 3, 50}) / 8.0f; },
     "tensor([[[0.0000e+00, 1.2500e-01, 2.5000e-01,  ..., 5.8750e+00,\n          6.0000e+00, 6.1250e+00],\n         [6.2500e+00, 6.3750e+00, 6.5000e+00,  ..., 1.2125e+01,\n          1.2250e+01, 1.2375e+01],\n         [1.2500e+01, 1.2625e+01, 1.2750e+01,  ..., 1.8375e+01,\n          1.8500e+01, 1.8625e+01]],\n\n        [[1.8750e+01, 1.8875e+01, 1.9000e+01,  ..., 2.4625e+01,\n          2.4750e+01, 2.4875e+01],\n         [2.5000e+01, 2.5125e+01, 2.5250e+01,  ..., 3.0875e+01,\n          3.1000e+01, 3.1125e+01],\n         [3.1250e+01, 3.1375e+01, 3.1500e+01,  ..., 3.7125e+01,\n          3.7250e+01, 3.7375e+01]],\n\n        [[3.7500e+01, 3.7625e+01, 3.7750e+01,  ..., 4.3375e+01,\n          4.3500e+01, 4.3625e+01],\n         [4.3750e+01, 4.3875e+01, 4.4000e+01,  ..., 4.9625e+01,\n          4.9750e+01, 4.9875e+01],\n         [5.0000e+01, 5.0125e+01, 5.0250e+01,  ..., 5.5875e+01,\n          5.6000e+01, 5.6125e+01]],\n\n        ...,\n\n        [[9.3750e+01, 9.3875e+01, 9.4000e+01,  ..., 9.9625e+01,\n          9.9750e+01, 9.9875e+01],\n         [1.0000e+02, 1.0012e+02, 1.0025e+02,  ..., 1.0588e+02,\n          1.0600e+02, 1.0612e+02],\n         [1.0625e+02, 1.0638e+02, 1.0650e+02,  ..., 1.1212e+02,\n          1.1225e+02, 1.1238e+02]],\n\n        [[1.1250e+02, 1.1262e+02, 1.1275e+02,  ..., 1.1838e+02,\n          1.1850e+02, 1.1862e+02],\n         [1.1875e+02, 1.1888e+02, 1.1900e+02,  ..., 1.2462e+02,\n          1.2475e+02, 1.2488e+02],\n         [1.2500e+02, 1.2512e+02, 1.2525e+02,  ..., 1.3088e+02,\n          1.3100e+02, 1.3112e+02]],\n\n        [[1.3125e+02, 1.3138e+02, 1.3150e+02,  ..., 1.3712e+02,\n          1.3725e+02, 1.3738e+02],\n         [1.3750e+02, 1.3762e+02, 1.3775e+02,  ..., 1.4338e+02,\n          1.4350e+02, 1.4362e+02],\n         [1.4375e+02, 1.4388e+02, 1.4400e+02,  ..., 1.4962e+02,\n          1.4975e+02, 1.4988e+02]]])"},
    {"summarized_3d_int64", "torch.arange(1120).reshape(7, 2, 80)", [] { return arange({7, 2, 80}, Dtype::Int64); },
     "tensor([[[   0,    1,    2,  ...,   77,   78,   79],\n         [  80,   81,   82,  ...,  157,  158,  159]],\n\n        [[ 160,  161,  162,  ...,  237,  238,  239],\n         [ 240,  241,  242,  ...,  317,  318,  319]],\n\n        [[ 320,  321,  322,  ...,  397,  398,  399],\n         [ 400,  401,  402,  ...,  477,  478,  479]],\n\n        ...,\n\n        [[ 640,  641,  642,  ...,  717,  718,  719],\n         [ 720,  721,  722,  ...,  797,  798,  799]],\n\n        [[ 800,  801,  802,  ...,  877,  878,  879],\n         [ 880,  881,  882,  ...,  957,  958,  959]],\n\n        [[ 960,  961,  962,  ..., 1037, 1038, 1039],\n         [1040, 1041, 1042,  ..., 1117, 1118, 1119]]])"},
    {"summarized_int_mode", "(torch.arange(1001.) - 500) * 1e3", [] { return (arange({1001}) - 500.0f) * 1e3f; },
     "tensor([-500000., -499000., -498000.,  ...,  498000.,  499000.,  500000.])"},
};
}  // namespace

TEST_CASE("repr matches torch 1.13 on extra layouts: nan/inf, -0, empty int64, wrapping, 3-D summaries") {
  for (const auto& c : kExtraCases) {
    CAPTURE(c.torch_expr);
    check_repr(c.build(), c.repr, c.name);
  }
}

TEST_CASE("repr: the grad_fn suffix comes from the node name; requires_grad only on leaves") {
  Tensor leaf = Tensor::from_vector({2}, {0.5f, -1.25f}).requires_grad_();
  check_repr(leaf, "tensor([ 0.5000, -1.2500], requires_grad=True)", "leaf");
  check_repr(leaf * 2.0f, "tensor([ 1.0000, -2.5000], grad_fn=<MulBackward0>)", "mul");
  check_repr(leaf.sum(), "tensor(-0.7500, grad_fn=<SumBackward0>)", "sum");
  check_repr(leaf.detach(), "tensor([ 0.5000, -1.2500])", "detach");
  {
    NoGradGuard no_grad;
    check_repr(leaf * 2.0f, "tensor([ 1.0000, -2.5000])", "mul under no_grad");
  }
  check_repr(Tensor::scalar(3.5f), "tensor(3.5000)", "0-d");
  check_repr(Tensor::from_vector({}, {7}, Dtype::Int64), "tensor(7)", "0-d int64");
}

TEST_CASE("repr of an argmax result uses int formatting") {
  const Tensor logits = Tensor::from_vector({3, 2}, {0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f});
  check_repr(logits.argmax(1), "tensor([1, 0, 1])", "argmax");
}
