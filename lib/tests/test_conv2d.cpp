// Convolution, three layers deep: the im2col/col2im kernels, functional::conv2d (one
// ConvolutionBackward0 node) and nn::Conv2d. Checked against (1) PyTorch 1.13's values in
// golden/torch/{ops,seeding,repr}.json, (2) a direct 7-loop convolution written below in
// float64, (3) central finite differences.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/im2col.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/pooling.hpp>
#include <nnkit/nn/sequential.hpp>
#include <nnkit/random/generator.hpp>

#include "testing.hpp"

using nnkit::Shape;
using nnkit::Tensor;
namespace F = nnkit::functional;
namespace kernels = nnkit::kernels;
namespace testing = nnkit::testing;
using testing::cancellation_floor;
using testing::error_message;
using testing::random_tensor;
using testing::torch_golden;

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

// ------------------------------------------------------------ naive reference (float64)

struct ConvSpec {
  std::int64_t n, cin, cout, h, w, kh, kw, sh, sw, ph, pw;
  bool bias;
  std::int64_t oh() const { return (h + 2 * ph - kh) / sh + 1; }
  std::int64_t ow() const { return (w + 2 * pw - kw) / sw + 1; }
};

std::string describe(const ConvSpec& s) {
  return fmt::format("conv2d(x [{}, {}, {}, {}], weight [{}, {}, {}, {}], stride ({}, {}), "
                     "padding ({}, {}), bias={})", s.n, s.cin, s.h, s.w, s.cout, s.cin, s.kh,
                     s.kw, s.sh, s.sw, s.ph, s.pw, s.bias);
}

// Exact (float64) results, and for each element the sum of the absolute values of the
// terms that made it: a float32 sum is accurate relative to that, not to its result.
struct NaiveConv {
  std::vector<double> out, grad_x, grad_w, grad_b;
  std::vector<double> out_mag, grad_x_mag, grad_w_mag, grad_b_mag;
};

// Direct convolution, seven nested loops, and its backward by the same loops: every
// product x·w that reached out[n, co, oh, ow] sends g·w to x and g·x to w.
NaiveConv naive_conv2d(const ConvSpec& s, const Tensor& x, const Tensor& w, const Tensor& b,
                       const Tensor& g) {
  NaiveConv r;
  const std::int64_t OH = s.oh(), OW = s.ow();
  r.out.assign(s.n * s.cout * OH * OW, 0.0);
  r.grad_x.assign(x.numel(), 0.0);
  r.grad_w.assign(w.numel(), 0.0);
  r.grad_b.assign(s.cout, 0.0);
  r.out_mag.assign(r.out.size(), 0.0);
  r.grad_x_mag.assign(x.numel(), 0.0);
  r.grad_w_mag.assign(w.numel(), 0.0);
  r.grad_b_mag.assign(s.cout, 0.0);
  auto X = [&](std::int64_t n, std::int64_t c, std::int64_t i, std::int64_t j) {
    return ((n * s.cin + c) * s.h + i) * s.w + j;
  };
  auto W = [&](std::int64_t o, std::int64_t c, std::int64_t i, std::int64_t j) {
    return ((o * s.cin + c) * s.kh + i) * s.kw + j;
  };
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t co = 0; co < s.cout; ++co)
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const std::int64_t o = ((n * s.cout + co) * OH + oh) * OW + ow;
          double acc = s.bias ? b.data()[co] : 0.0;
          double mag = std::abs(acc);
          const double go = g.data()[o];
          for (std::int64_t ci = 0; ci < s.cin; ++ci)
            for (std::int64_t kh = 0; kh < s.kh; ++kh)
              for (std::int64_t kw = 0; kw < s.kw; ++kw) {
                const std::int64_t ih = oh * s.sh - s.ph + kh, iw = ow * s.sw - s.pw + kw;
                if (ih < 0 || ih >= s.h || iw < 0 || iw >= s.w) continue;
                const double xv = x.data()[X(n, ci, ih, iw)], wv = w.data()[W(co, ci, kh, kw)];
                acc += xv * wv;
                mag += std::abs(xv * wv);
                r.grad_x[X(n, ci, ih, iw)] += go * wv;
                r.grad_x_mag[X(n, ci, ih, iw)] += std::abs(go * wv);
                r.grad_w[W(co, ci, kh, kw)] += go * xv;
                r.grad_w_mag[W(co, ci, kh, kw)] += std::abs(go * xv);
              }
          r.out[o] = acc;
          r.out_mag[o] = mag;
          r.grad_b[co] += go;
          r.grad_b_mag[co] += std::abs(go);
        }
  return r;
}

Tensor as_tensor(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, std::vector<float>(values.begin(), values.end()));
}

// Float32 results against the float64 reference: |got − exact| <= rel · Σ|terms| for every
// element (a float32 sum's error bound scales with Σ|terms|, not with its result, so a
// result small by cancellation is checked at the precision its terms allow).
void check_against_reference(const Tensor& got, const std::vector<double>& exact,
                             const std::vector<double>& magnitude, const std::string& what,
                             double rel = 1e-5) {
  REQUIRE_MESSAGE(got.defined(), what << ": got an undefined tensor");
  REQUIRE_MESSAGE(got.numel() == static_cast<std::int64_t>(exact.size()),
                  what << ": " << got.numel() << " elements, expected " << exact.size());
  for (std::size_t i = 0; i < exact.size(); ++i) {
    const double error = std::abs(got.data()[i] - exact[i]);
    if (!(error <= rel * magnitude[i])) {
      FAIL_CHECK(fmt::format("{}: element {} is {:.9g}, exact {:.9g}: error {:.3g} > {:.1g} · "
                             "Σ|terms| = {:.3g}", what, i, got.data()[i], exact[i], error, rel,
                             rel * magnitude[i]));
      return;
    }
  }
}

}  // namespace

// ------------------------------------------------------------------------- kernels

TEST_CASE("conv_output_size is torch's floor formula, 0 when the kernel does not fit") {
  CHECK(kernels::conv_output_size(28, 3, 1, 1) == 28);
  CHECK(kernels::conv_output_size(28, 2, 2, 0) == 14);
  CHECK(kernels::conv_output_size(7, 3, 2, 0) == 3);
  CHECK(kernels::conv_output_size(9, 4, 2, 1) == 4);
  CHECK(kernels::conv_output_size(5, 5, 1, 0) == 1);
  CHECK(kernels::conv_output_size(2, 5, 1, 1) == 0);  // padded 4 < kernel 5
  CHECK(kernels::conv_output_size(2, 5, 3, 1) == 0);  // must not round -1/3 up to 0 + 1
}

TEST_CASE("col2im is the adjoint of im2col: <im2col(x), c> == <x, col2im(c)>") {
  const std::vector<kernels::Window2d> windows = {
      {1, 5, 5, 3, 3, 1, 1, 0, 0}, {2, 7, 9, 3, 3, 1, 1, 1, 1}, {3, 9, 7, 4, 4, 2, 2, 1, 1},
      {2, 8, 6, 3, 2, 2, 1, 1, 0}, {1, 6, 10, 3, 3, 3, 2, 2, 1}, {2, 3, 3, 5, 5, 1, 1, 1, 1},
      {1, 4, 4, 1, 1, 2, 2, 0, 0}, {2, 11, 13, 4, 3, 3, 2, 1, 2}, {4, 7, 7, 3, 3, 1, 1, 1, 1},
      {3, 6, 5, 2, 3, 1, 1, 2, 0}};
  unsigned seed = 1;
  for (const auto& g : windows) {
    const std::string what = fmt::format(
        "window C={} {}x{} kernel {}x{} stride ({}, {}) padding ({}, {})", g.channels, g.height,
        g.width, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w, g.pad_h, g.pad_w);
    CAPTURE(what);
    const Tensor x = random_tensor({g.channels, g.height, g.width}, seed++);
    const Tensor c = random_tensor({g.column_rows(), g.column_cols()}, seed++);
    std::vector<float> columns(g.column_rows() * g.column_cols(), 123.0f);  // must be overwritten
    kernels::im2col(x.data(), g, columns.data());
    std::vector<float> image(x.numel(), 0.0f);
    kernels::col2im(c.data(), g, image.data());
    double left = 0.0, right = 0.0;
    for (std::size_t i = 0; i < columns.size(); ++i) left += double(columns[i]) * c.data()[i];
    for (std::size_t i = 0; i < image.size(); ++i) right += double(image[i]) * x.data()[i];
    // col2im accumulates in float32, hence not 1e-12
    CHECK(left == doctest::Approx(right).epsilon(1e-6));
    // and im2col's entries are the image's pixels or the zero padding, at the right place;
    // col2im adds each column entry to its pixel, a pixel's entries in (kh, kw) order, onto
    // what the image held: the floats of the direct loop below, bit for bit.
    const std::int64_t OH = g.out_height(), OW = g.out_width();
    std::vector<float> added(x.data(), x.data() + x.numel()), direct = added;
    kernels::col2im(c.data(), g, added.data());
    bool placed = true;
    for (std::int64_t ch = 0; ch < g.channels; ++ch)
      for (std::int64_t kh = 0; kh < g.kernel_h; ++kh)
        for (std::int64_t kw = 0; kw < g.kernel_w; ++kw)
          for (std::int64_t oh = 0; oh < OH; ++oh)
            for (std::int64_t ow = 0; ow < OW; ++ow) {
              const std::int64_t ih = oh * g.stride_h - g.pad_h + kh, iw = ow * g.stride_w - g.pad_w + kw;
              const bool in = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width;
              const float expected = in ? x.data()[(ch * g.height + ih) * g.width + iw] : 0.0f;
              const std::int64_t entry = (((ch * g.kernel_h + kh) * g.kernel_w + kw) * OH + oh) * OW + ow;
              placed = placed && columns[entry] == expected;
              if (in) direct[(ch * g.height + ih) * g.width + iw] += c.data()[entry];
            }
    CHECK_MESSAGE(placed, what);
    CHECK_MESSAGE(std::memcmp(added.data(), direct.data(), added.size() * sizeof(float)) == 0, what);
  }
}

// ------------------------------------------------------------------- golden (torch)

// torch 1.13 (Debian's build, USE_MKLDNN=ON) computes these convolutions with oneDNN,
// whose summation order im2col + sgemm cannot reproduce. Where an element is small only
// because its terms cancel, both are ~1 ulp of the terms away from the exact value, which
// is far more than 1e-5 of the element itself (torch is 3e-5 from exact on one golden
// output). So: 1e-5 relative to max(|expected|, 1% of the tensor's largest magnitude).
// The messages also give the plain floor-1e-3 figure, and ours and torch's distance from
// the exact float64 result in the same metric. (testing::cancellation_floor is that floor.)

TEST_CASE("conv2d matches torch 1.13 forward and backward on every golden case") {
  const auto& cases = torch_golden("ops.json").at("conv2d");
  REQUIRE(cases.size() >= 8);
  for (const auto& c : cases) {
    const std::string name = c.at("name");
    CAPTURE(name);
    const auto& p = c.at("params");
    const std::int64_t s = p.at("stride"), pad = p.at("padding");
    const bool has_bias = p.at("bias");
    Tensor x = testing::tensor_from_json(c.at("x"), true);
    Tensor w = testing::tensor_from_json(c.at("weight"), true);
    Tensor b = has_bias ? testing::tensor_from_json(c.at("bias"), true) : Tensor();
    const Tensor grad_out = testing::tensor_from_json(c.at("grad_out"));
    Tensor out = F::conv2d(x, w, b, {s, s}, {pad, pad});
    REQUIRE(out.grad_fn() != nullptr);
    CHECK(out.grad_fn()->name() == "ConvolutionBackward0");
    out.backward(grad_out);

    const ConvSpec spec{x.size(0), x.size(1), w.size(0), x.size(2), x.size(3), w.size(2),
                        w.size(3), s, s, pad, pad, has_bias};
    const NaiveConv exact = naive_conv2d(spec, x, w, b, grad_out);
    struct Quantity {
      const char* key;
      Tensor got;
      const std::vector<double>* exact;
    };
    std::vector<Quantity> quantities = {{"out", out, &exact.out},
                                        {"grad_x", x.grad(), &exact.grad_x},
                                        {"grad_weight", w.grad(), &exact.grad_w}};
    if (has_bias) quantities.push_back({"grad_bias", b.grad(), &exact.grad_b});
    std::string report = name + ": max relative error vs torch";
    for (const auto& q : quantities) {
      const Tensor expected = testing::tensor_from_json(c.at(q.key));
      const std::string what = name + ": " + q.key;
      testing::check_close(q.got, expected, what, 1e-5, cancellation_floor(expected));
      const Tensor truth = as_tensor(expected.shape(), *q.exact);
      report += fmt::format("\n  {:<11} {:.2e} (floor 1e-3: {:.2e}); vs exact float64: ours "
                            "{:.2e}, torch {:.2e}", q.key,
                            testing::max_relative_error(q.got, expected, cancellation_floor(expected)),
                            testing::max_relative_error(q.got, expected),
                            testing::max_relative_error(q.got, truth, cancellation_floor(truth)),
                            testing::max_relative_error(expected, truth, cancellation_floor(truth)));
    }
    MESSAGE(report);
  }
}

// ----------------------------------------------------- optimised vs naive reference

TEST_CASE("conv2d equals a direct 7-loop convolution (forward and all gradients)") {
  const std::vector<ConvSpec> specs = {
      // n cin cout  h   w  kh kw sh sw ph pw bias
      {1, 1, 1, 5, 5, 3, 3, 1, 1, 0, 0, true},
      {2, 3, 4, 7, 9, 3, 3, 1, 1, 1, 1, true},
      {2, 2, 3, 8, 6, 3, 2, 2, 1, 1, 0, false},   // rectangular kernel, mixed stride
      {1, 3, 2, 9, 7, 5, 5, 2, 2, 2, 2, true},
      {3, 2, 5, 6, 6, 1, 1, 1, 1, 0, 0, true},    // 1x1: the image is its own column matrix
      {2, 2, 2, 5, 5, 1, 1, 2, 2, 0, 0, true},    // 1x1 with stride: im2col again
      {1, 2, 3, 4, 4, 4, 4, 1, 1, 0, 0, true},    // kernel = input: 1x1 output
      {2, 1, 2, 3, 3, 5, 5, 1, 1, 1, 1, true},    // kernel = padded input
      {1, 2, 2, 6, 10, 3, 3, 3, 2, 2, 1, true},   // padding > kernel/2: all-padding windows
      {2, 3, 4, 11, 13, 4, 3, 3, 2, 1, 2, true},
      {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, false},
      {4, 1, 8, 28, 28, 3, 3, 1, 1, 1, 1, true},  // the assignment's first layer
      {2, 8, 6, 14, 14, 3, 3, 1, 1, 1, 1, true},  // and a second one
      {2, 2, 3, 5, 6, 3, 3, 1, 1, 2, 0, true},    // stride 1, padding 2 by 0: wide zero border
  };
  unsigned seed = 100;
  for (const auto& s : specs) {
    const std::string what = describe(s);
    CAPTURE(what);
    Tensor x = random_tensor({s.n, s.cin, s.h, s.w}, seed++).requires_grad_(true);
    Tensor w = random_tensor({s.cout, s.cin, s.kh, s.kw}, seed++).requires_grad_(true);
    Tensor b = s.bias ? random_tensor({s.cout}, seed++).requires_grad_(true) : Tensor();
    const Shape out_shape{s.n, s.cout, s.oh(), s.ow()};
    const Tensor g = random_tensor(out_shape, seed++);
    const NaiveConv ref = naive_conv2d(s, x, w, b, g);

    Tensor out = F::conv2d(x, w, b, {s.sh, s.sw}, {s.ph, s.pw});
    check_against_reference(out, ref.out, ref.out_mag, what + ": out");
    out.backward(g);
    check_against_reference(x.grad(), ref.grad_x, ref.grad_x_mag, what + ": grad_x");
    check_against_reference(w.grad(), ref.grad_w, ref.grad_w_mag, what + ": grad_weight");
    if (s.bias) check_against_reference(b.grad(), ref.grad_b, ref.grad_b_mag, what + ": grad_bias");
  }
}

TEST_CASE("conv2d computes only the gradients that are needed, and no graph under no_grad") {
  Tensor x = random_tensor({2, 2, 5, 5}, 7);
  Tensor w = random_tensor({3, 2, 3, 3}, 8).requires_grad_(true);
  Tensor b = random_tensor({3}, 9);
  Tensor out = F::conv2d(x, w, b, {1, 1}, {1, 1});
  out.sum().backward();
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(b.grad().defined());
  CHECK(w.grad().defined());
  {
    nnkit::NoGradGuard no_grad;
    Tensor y = F::conv2d(x, w, b, {1, 1}, {1, 1});
    CHECK(y.grad_fn() == nullptr);
    CHECK_FALSE(y.requires_grad());
  }
  Tensor none = F::conv2d(x, w.detach(), b);
  CHECK(none.grad_fn() == nullptr);
}

// ------------------------------------------------------------ finite differences

TEST_CASE("conv2d gradients agree with central finite differences") {
  struct Case {
    Shape x, w;
    Pair stride, padding;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 2, 5, 6}, {3, 2, 3, 3}, {1, 1}, {1, 1}, true},
      {{1, 3, 7, 5}, {2, 3, 3, 2}, {2, 1}, {0, 1}, true},
      {{2, 1, 6, 6}, {2, 1, 4, 4}, {2, 2}, {1, 1}, false},
      {{1, 2, 4, 4}, {2, 2, 1, 1}, {1, 1}, {0, 0}, true},
  };
  unsigned seed = 500;
  for (const auto& c : cases) {
    const std::string what = fmt::format("conv2d(x {}, weight {}, stride ({}, {}), padding ({}, {}), bias={})",
                                         nnkit::to_string(c.x), nnkit::to_string(c.w),
                                         c.stride.first, c.stride.second, c.padding.first,
                                         c.padding.second, c.bias);
    CAPTURE(what);
    std::vector<Tensor> inputs{random_tensor(c.x, seed++), random_tensor(c.w, seed++)};
    if (c.bias) inputs.push_back(random_tensor({c.w[0]}, seed++));
    testing::check_gradients(
        [&](const std::vector<Tensor>& in) {
          return F::conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), c.stride, c.padding);
        },
        inputs, what);
  }
}

// ------------------------------------------------------------------------ module

TEST_CASE("nn::Conv2d after manual_seed(42) holds torch's weights and biases bit for bit") {
  const auto& init = torch_golden("seeding.json").at("init");
  struct Case {
    std::string key;
    std::function<nnkit::nn::Conv2d()> make;
  };
  const std::vector<Case> cases = {
      {"conv2d_1_32_3_p1", [] { return nnkit::nn::Conv2d(1, 32, 3, 1, 1); }},
      {"conv2d_3_4_3", [] { return nnkit::nn::Conv2d(3, 4, 3); }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.key);
    const auto& expected = init.at(c.key);
    REQUIRE(expected.at("seed") == 42);
    nnkit::manual_seed(42);
    const nnkit::nn::Conv2d conv = c.make();
    for (const char* which : {"weight", "bias"}) {
      const Tensor got = std::string(which) == "weight" ? conv.weight : conv.bias;
      REQUIRE_MESSAGE(expected.at(which).contains("data"), c.key << "." << which << " is a summary");
      const Tensor want = testing::tensor_from_json(expected.at(which));
      REQUIRE(got.shape() == want.shape());
      std::int64_t mismatches = 0, first = -1;
      for (std::int64_t i = 0; i < want.numel(); ++i) {
        if (got.data()[i] != want.data()[i]) {
          if (first < 0) first = i;
          ++mismatches;
        }
      }
      CHECK_MESSAGE(mismatches == 0,
                    fmt::format("{}.{}: {} of {} values differ from torch's; first at {}: {:.9g} vs {:.9g}",
                                c.key, which, mismatches, want.numel(), first,
                                first < 0 ? 0.0f : got.data()[first],
                                first < 0 ? 0.0f : want.data()[first]));
    }
  }
}

TEST_CASE("nn::Conv2d in a Sequential draws in argument order, as torch's nn.Sequential") {
  // g++ builds constructor arguments right to left; Sequential redraws its children left
  // to right, which works only if Conv2d records its init through initialize_parameters.
  const auto& first = torch_golden("seeding.json").at("init").at("conv2d_1_32_3_p1");
  nnkit::manual_seed(42);
  nnkit::nn::Sequential model(nnkit::nn::Conv2d(1, 32, 3, 1, 1), nnkit::nn::ReLU(),
                              nnkit::nn::MaxPool2d(2), nnkit::nn::Conv2d(32, 4, 3));
  const auto params = model.named_parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].first == "0.weight");
  CHECK(params[3].first == "3.bias");
  for (const auto& [name, key] : {std::pair{0, "weight"}, std::pair{1, "bias"}}) {
    const Tensor want = testing::tensor_from_json(first.at(key));
    const Tensor& got = params[name].second;
    REQUIRE(got.shape() == want.shape());
    CHECK_MESSAGE(std::equal(want.data(), want.data() + want.numel(), got.data()),
                  "0." << key << " differs from torch's Conv2d(1, 32, 3, padding=1) after manual_seed(42)");
  }
  // reset_parameters redraws from the current stream position, the same way
  nnkit::manual_seed(42);
  nnkit::nn::Conv2d conv(1, 32, 3, 1, 1);
  nnkit::manual_seed(42);
  conv.reset_parameters();
  CHECK(std::equal(conv.weight.data(), conv.weight.data() + conv.weight.numel(), params[0].second.data()));
}

TEST_CASE("nn::Conv2d prints exactly as torch's str() for every Conv2d in repr.json") {
  using nnkit::nn::Conv2d;
  const std::map<std::string, std::function<Conv2d()>> make = {
      {"nn.Conv2d(1, 32, 3, 1, 1)", [] { return Conv2d(1, 32, 3, 1, 1); }},
      {"nn.Conv2d(3, 8, kernel_size=5, stride=2)", [] { return Conv2d(3, 8, 5, 2); }},
      {"nn.Conv2d(3, 8, 3, bias=False)", [] { return Conv2d(3, 8, 3, 1, 0, false); }},
      {"nn.Conv2d(2, 4, 4, stride=2, padding=1)", [] { return Conv2d(2, 4, 4, 2, 1); }},
  };
  int seen = 0;
  for (const auto& m : torch_golden("repr.json").at("modules")) {
    const std::string expr = m.at("expr");
    if (expr.rfind("nn.Conv2d(", 0) != 0) continue;
    CAPTURE(expr);
    REQUIRE_MESSAGE(make.count(expr) == 1, "no C++ constructor in this test for " << expr);
    CHECK(make.at(expr)().repr() == m.at("str").get<std::string>());
    ++seen;
  }
  CHECK(seen == static_cast<int>(make.size()));
  // pairs print as torch prints tuples; padding shows as soon as one side is non-zero
  CHECK(Conv2d(1, 2, Pair{3, 5}, Pair{1, 2}, Pair{1, 0}).repr() ==
        "Conv2d(1, 2, kernel_size=(3, 5), stride=(1, 2), padding=(1, 0))");
}

TEST_CASE("nn::Conv2d registers weight then bias and forwards to functional::conv2d") {
  nnkit::manual_seed(3);
  nnkit::nn::Conv2d conv(2, 3, 3, 1, 1);
  const auto params = conv.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[0].second.shape() == Shape{3, 2, 3, 3});
  CHECK(params[1].first == "bias");
  CHECK(params[1].second.shape() == Shape{3});
  CHECK(conv.num_parameters() == 57);
  CHECK(nnkit::nn::Conv2d(2, 3, 3, 1, 1, false).named_parameters().size() == 1);

  const Tensor x = random_tensor({2, 2, 6, 5}, 11);
  Tensor y = conv(x);
  const Tensor expected = F::conv2d(x, conv.weight, conv.bias, {1, 1}, {1, 1});
  testing::check_close(y, expected, "Conv2d forward", 0.0, 1e-30);
  y.sum().backward();
  CHECK(conv.weight.grad().defined());
  CHECK(conv.bias.grad().defined());
}

// ------------------------------------------------------------------------ errors

TEST_CASE("conv2d rejects bad shapes and arguments with messages naming them") {
  const Tensor w = Tensor::zeros({32, 1, 3, 3});
  CHECK(error_message([&] { F::conv2d(Tensor::zeros({64, 3, 28, 28}), w, Tensor()); }) ==
        "conv2d: input [64, 3, 28, 28] has 3 channels, weight [32, 1, 3, 3] expects 1");

  struct Case {
    std::string what;
    std::function<void()> call;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"3-D input", [&] { F::conv2d(Tensor::zeros({1, 28, 28}), w, Tensor()); },
       {"[1, 28, 28]", "4-D", "reshape"}},
      {"3-D weight", [&] { F::conv2d(Tensor::zeros({2, 1, 8, 8}), Tensor::zeros({4, 3, 3}), Tensor()); },
       {"[4, 3, 3]", "[Cout, Cin, KH, KW]"}},
      {"kernel larger than the padded input",
       [&] { F::conv2d(Tensor::zeros({1, 1, 2, 2}), Tensor::zeros({1, 1, 5, 5}), Tensor(), {1, 1}, {1, 1}); },
       {"[1, 1, 2, 2]", "[1, 1, 5, 5]", "5x5", "4x4"}},
      {"zero stride", [&] { F::conv2d(Tensor::zeros({1, 1, 8, 8}), w, Tensor(), {0, 1}); },
       {"stride (0, 1)", "positive"}},
      {"negative stride", [&] { F::conv2d(Tensor::zeros({1, 1, 8, 8}), w, Tensor(), {2, -1}); },
       {"stride (2, -1)"}},
      {"negative padding", [&] { F::conv2d(Tensor::zeros({1, 1, 8, 8}), w, Tensor(), {1, 1}, {-1, 0}); },
       {"padding (-1, 0)", "non-negative"}},
      {"bias of the wrong size",
       [&] { F::conv2d(Tensor::zeros({1, 1, 8, 8}), w, Tensor::zeros({3})); },
       {"[3]", "[32, 1, 3, 3]", "expected [32]"}},
      {"module given the wrong channels",
       [&] { nnkit::nn::Conv2d conv(1, 32, 3, 1, 1); conv(Tensor::zeros({2, 3, 8, 8})); },
       {"Conv2d(1, 32, kernel_size=(3, 3)", "[2, 3, 8, 8]", "[N, 1, H, W]"}},
      {"module with zero channels", [] { nnkit::nn::Conv2d(0, 4, 3); }, {"in_channels=0"}},
      {"module with zero stride", [] { nnkit::nn::Conv2d(1, 4, 3, 0); }, {"stride=(0, 0)"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const std::string message = error_message(c.call);
    for (const auto& m : c.mentions) {
      CHECK_MESSAGE(message.find(m) != std::string::npos,
                    c.what << ": message \"" << message << "\" does not mention \"" << m << "\"");
    }
  }
}

// ------------------------------------------------------------------- batch smoke

TEST_CASE("conv2d runs forward and backward on a full batch [2000, 1, 28, 28] -> 32 channels") {
  // The assignment evaluates whole splits at once; this is the shape of its first layer.
  const std::int64_t N = 2000, H = 28, W = 28, C = 32;
  Tensor x = random_tensor({N, 1, H, W}, 2000).requires_grad_(true);
  Tensor w = random_tensor({C, 1, 3, 3}, 2001).requires_grad_(true);
  Tensor b = random_tensor({C}, 2002).requires_grad_(true);
  Tensor out = F::conv2d(x, w, b, {1, 1}, {1, 1});
  REQUIRE(out.shape() == Shape{N, C, H, W});
  out.backward(Tensor::ones(out.shape()));

  // d(sum out)/d bias = N·H·W exactly (integers below 2^24 add exactly in float32).
  for (std::int64_t c = 0; c < C; ++c) CHECK(b.grad().data()[c] == float(N * H * W));

  // d(sum out)/d w[c, 0, kh, kw] = the sum of x over the window shifted by (kh − 1, kw − 1).
  std::vector<double> shifted(9, 0.0), shifted_mag(9, 0.0);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t kh = 0; kh < 3; ++kh)
      for (std::int64_t kw = 0; kw < 3; ++kw)
        for (std::int64_t i = 0; i < H; ++i)
          for (std::int64_t j = 0; j < W; ++j) {
            const std::int64_t ih = i + kh - 1, iw = j + kw - 1;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            shifted[kh * 3 + kw] += x.data()[(n * H + ih) * W + iw];
            shifted_mag[kh * 3 + kw] += std::abs(x.data()[(n * H + ih) * W + iw]);
          }
  std::vector<double> expected_gw, expected_gw_mag;
  for (std::int64_t c = 0; c < C; ++c) {
    expected_gw.insert(expected_gw.end(), shifted.begin(), shifted.end());
    expected_gw_mag.insert(expected_gw_mag.end(), shifted_mag.begin(), shifted_mag.end());
  }
  check_against_reference(w.grad(), expected_gw, expected_gw_mag, "full batch: grad_weight");

  // First and last images against the naive reference, forward and grad_x.
  const ConvSpec one{1, 1, C, H, W, 3, 3, 1, 1, 1, 1, true};
  for (std::int64_t n : {std::int64_t{0}, N - 1}) {
    const std::string what = fmt::format("full batch, image {}", n);
    const Tensor xn = Tensor::from_vector({1, 1, H, W}, std::vector<float>(x.data() + n * H * W, x.data() + (n + 1) * H * W));
    const NaiveConv ref = naive_conv2d(one, xn, w, b, Tensor::ones({1, C, H, W}));
    const Tensor out_n = Tensor::from_vector({1, C, H, W}, std::vector<float>(out.data() + n * C * H * W, out.data() + (n + 1) * C * H * W));
    const Tensor gx_n = Tensor::from_vector({1, 1, H, W}, std::vector<float>(x.grad().data() + n * H * W, x.grad().data() + (n + 1) * H * W));
    check_against_reference(out_n, ref.out, ref.out_mag, what + ": out");
    check_against_reference(gx_n, ref.grad_x, ref.grad_x_mag, what + ": grad_x");
  }
}
