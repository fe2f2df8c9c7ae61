// Max pooling, three layers deep: the pooling kernels, functional::max_pool2d (one
// MaxPool2DWithIndicesBackward0 node) and nn::MaxPool2d. Checked against (1) PyTorch 1.13's
// values and indices in golden/torch/{ops,repr}.json, (2) direct pooling loops written
// below, (3) central finite differences on inputs without ties.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>
#include <nnkit/kernels/pooling.hpp>
#include <nnkit/nn/pooling.hpp>

#include "testing.hpp"

using nnkit::Shape;
using nnkit::Tensor;
namespace F = nnkit::functional;
namespace kernels = nnkit::kernels;
namespace testing = nnkit::testing;
using testing::error_message;
using testing::random_tensor;
using testing::torch_golden;

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

// Distinct values 0.1 apart in random order: a ±0.01 finite-difference step never changes
// which element is a window's maximum.
Tensor distinct_tensor(const Shape& shape, unsigned seed) {
  std::vector<float> values(nnkit::numel_of(shape));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.1f * float(i) - 1.0f;
  std::shuffle(values.begin(), values.end(), std::mt19937(seed));
  return Tensor::from_vector(shape, std::move(values));
}

kernels::Window2d planes_window(const Shape& x, Pair k, Pair s, Pair p) {
  kernels::Window2d g;
  g.channels = x[0] * x[1];
  g.height = x[2];
  g.width = x[3];
  g.kernel_h = k.first;
  g.kernel_w = k.second;
  g.stride_h = s.first;
  g.stride_w = s.second;
  g.pad_h = p.first;
  g.pad_w = p.second;
  return g;
}

// --------------------------------------------------------------- naive reference

struct PoolSpec {
  Shape x;
  Pair kernel, stride, padding;
  std::int64_t oh() const { return (x[2] + 2 * padding.first - kernel.first) / stride.first + 1; }
  std::int64_t ow() const { return (x[3] + 2 * padding.second - kernel.second) / stride.second + 1; }
};

std::string describe(const PoolSpec& s) {
  return fmt::format("max_pool2d(x {}, kernel_size ({}, {}), stride ({}, {}), padding ({}, {}))",
                     nnkit::to_string(s.x), s.kernel.first, s.kernel.second, s.stride.first,
                     s.stride.second, s.padding.first, s.padding.second);
}

struct NaivePool {
  std::vector<float> out;
  std::vector<std::int64_t> indices;
  std::vector<float> grad_x;
};

// Direct pooling over the padded window: a padded position reads −inf; a value replaces
// the running maximum only when strictly larger, so the first maximum wins ties.
NaivePool naive_max_pool2d(const PoolSpec& s, const Tensor& x, const Tensor& g) {
  const std::int64_t N = s.x[0], C = s.x[1], H = s.x[2], W = s.x[3], OH = s.oh(), OW = s.ow();
  NaivePool r;
  r.out.assign(N * C * OH * OW, 0.0f);
  r.indices.assign(N * C * OH * OW, -1);
  r.grad_x.assign(x.numel(), 0.0f);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          std::int64_t where = -1;
          for (std::int64_t kh = 0; kh < s.kernel.first; ++kh)
            for (std::int64_t kw = 0; kw < s.kernel.second; ++kw) {
              const std::int64_t ih = oh * s.stride.first - s.padding.first + kh;
              const std::int64_t iw = ow * s.stride.second - s.padding.second + kw;
              const bool inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
              const float v = inside ? x.data()[((n * C + c) * H + ih) * W + iw]
                                     : -std::numeric_limits<float>::infinity();
              if (inside && (where < 0 || v > best)) {
                best = v;
                where = ih * W + iw;
              }
            }
          const std::int64_t o = ((n * C + c) * OH + oh) * OW + ow;
          r.out[o] = best;
          r.indices[o] = where;
          r.grad_x[(n * C + c) * H * W + where] += g.data()[o];
        }
  return r;
}

}  // namespace

// ------------------------------------------------------------------- golden (torch)

TEST_CASE("max_pool2d matches torch 1.13: output, indices and gradient on every golden case") {
  const auto& cases = torch_golden("ops.json").at("max_pool2d");
  REQUIRE(cases.size() >= 5);
  for (const auto& c : cases) {
    const std::string name = c.at("name");
    CAPTURE(name);
    const auto& p = c.at("params");
    const std::int64_t k = p.at("kernel_size"), s = p.at("stride"), pad = p.at("padding");
    // stride_given = false: torch's stride=None, our stride 0.
    const std::int64_t stride_arg = p.at("stride_given").get<bool>() ? s : 0;
    Tensor x = testing::tensor_from_json(c.at("x"), true);
    Tensor out = F::max_pool2d(x, {k, k}, {stride_arg, stride_arg}, {pad, pad});
    const Tensor expected = testing::tensor_from_json(c.at("out"));
    testing::check_close(out, expected, name + ": out");
    REQUIRE(out.grad_fn() != nullptr);
    CHECK(out.grad_fn()->name() == "MaxPool2DWithIndicesBackward0");
    out.backward(testing::tensor_from_json(c.at("grad_out")));
    const Tensor gx = testing::tensor_from_json(c.at("grad_x"));
    testing::check_close(x.grad(), gx, name + ": grad_x");

    // torch's return_indices: flat h·W + w per (n, c) plane, from the kernel directly.
    const Tensor want = testing::tensor_from_json(c.at("indices"));
    const auto g = planes_window(x.shape(), {k, k}, {s, s}, {pad, pad});
    std::vector<float> pooled(want.numel());
    std::vector<std::int32_t> indices(want.numel(), -1);
    kernels::max_pool2d_forward(x.data(), g, pooled.data(), indices.data());
    std::int64_t wrong = 0;
    for (std::int64_t i = 0; i < want.numel(); ++i) wrong += indices[i] != std::int64_t(want.data()[i]);
    CHECK_MESSAGE(wrong == 0, name << ": " << wrong << " indices differ from torch's");

    MESSAGE(fmt::format("{}: max relative error vs torch: out {:.2e}, grad_x {:.2e}; indices "
                        "differing: {}", name, testing::max_relative_error(out, expected),
                        testing::max_relative_error(x.grad(), gx), wrong));
  }
}

// ------------------------------------------------ fast path vs the plain loop

// The 2x2 fast path (SSE2 on x86-64) against the plain loop that builds without it run
// (arm64, -DNNKIT_SIMD=OFF): the same bits, with NaN, −inf and ties that decide which
// element wins, on row widths with and without a tail of 1–3 windows.
TEST_CASE("max_pool2d's 2x2 path gives the plain loop's bits: NaN, -inf and ties included") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> specials = {nan, -inf, inf, 0.0f, -0.0f, 1.0f, 1.0f, -1.0f};
  for (const std::int64_t width : {2, 6, 8, 10, 14, 15, 28}) {
    const Shape x_shape{3, 2, 6, width};
    std::vector<float> values(nnkit::numel_of(x_shape));
    std::mt19937 engine(static_cast<unsigned>(width));
    std::uniform_int_distribution<std::size_t> pick(0, specials.size() - 1);
    for (auto& v : values) v = specials[pick(engine)];
    // The first window all −inf: its first position wins.
    for (const std::int64_t i : {std::int64_t{0}, std::int64_t{1}, width, width + 1}) values[i] = -inf;
    const auto g = planes_window(x_shape, {2, 2}, {2, 2}, {0, 0});
    const auto outputs = static_cast<std::size_t>(g.channels * g.out_height() * g.out_width());
    std::vector<float> fast(outputs), plain(outputs);
    std::vector<std::int32_t> fast_index(outputs, -1), plain_index(outputs, -1);
    kernels::max_pool2d_forward(values.data(), g, fast.data(), fast_index.data());
    kernels::max_pool2d_forward_plain(values.data(), g, plain.data(), plain_index.data());
    for (std::size_t o = 0; o < outputs; ++o) {
      CAPTURE(width);
      CAPTURE(o);
      CHECK_MESSAGE(std::memcmp(&fast[o], &plain[o], sizeof(float)) == 0,
                    "value " << fast[o] << " vs the plain loop's " << plain[o]);
      CHECK(fast_index[o] == plain_index[o]);
    }
    CHECK(plain_index[0] == 0);
  }
}

// ----------------------------------------------------- optimised vs naive reference

TEST_CASE("max_pool2d equals direct pooling loops, ties and padding included") {
  const std::vector<PoolSpec> specs = {
      {{2, 3, 6, 8}, {2, 2}, {2, 2}, {0, 0}},
      {{1, 2, 7, 9}, {3, 3}, {2, 2}, {1, 1}},
      {{2, 1, 5, 5}, {3, 3}, {1, 1}, {1, 1}},    // overlapping windows: gradients add up
      {{1, 1, 4, 4}, {4, 4}, {4, 4}, {0, 0}},    // one window, the whole plane
      {{1, 2, 9, 6}, {3, 2}, {2, 1}, {1, 0}},    // rectangular
      {{3, 2, 10, 10}, {2, 2}, {3, 3}, {1, 1}},  // stride > kernel: pixels no window sees
      {{1, 1, 1, 1}, {1, 1}, {1, 1}, {0, 0}},
      {{2, 1, 5, 7}, {2, 2}, {2, 2}, {0, 0}},    // odd sizes: the last row/column is dropped
      {{1, 2, 3, 3}, {5, 5}, {1, 1}, {2, 2}},    // every window partly padding
      {{4, 8, 28, 28}, {2, 2}, {2, 2}, {0, 0}},  // the assignment's pooling
  };
  unsigned seed = 10;
  for (const bool ties : {false, true}) {
    for (const auto& s : specs) {
      const std::string what = describe(s) + (ties ? " with ties" : "");
      CAPTURE(what);
      Tensor x = random_tensor(s.x, seed++, ties).requires_grad_(true);
      const Shape out_shape{s.x[0], s.x[1], s.oh(), s.ow()};
      const Tensor g = random_tensor(out_shape, seed++);
      const NaivePool ref = naive_max_pool2d(s, x, g);

      Tensor out = F::max_pool2d(x, s.kernel, s.stride, s.padding);
      REQUIRE(out.shape() == out_shape);
      CHECK_MESSAGE(std::equal(ref.out.begin(), ref.out.end(), out.data()), what << ": out");
      std::vector<float> pooled(ref.out.size());
      std::vector<std::int32_t> indices(ref.out.size(), -1);
      kernels::max_pool2d_forward(x.data(), planes_window(s.x, s.kernel, s.stride, s.padding),
                                  pooled.data(), indices.data());
      CHECK_MESSAGE(std::equal(ref.indices.begin(), ref.indices.end(), indices.begin()),
                    what << ": indices (first maximum of each window)");
      out.backward(g);
      // Same additions in the same order: exact.
      testing::check_close(x.grad(), Tensor::from_vector(s.x, ref.grad_x), what + ": grad_x",
                           0.0, 1e-30);
    }
  }
}

TEST_CASE("max_pool2d kernel: a NaN wins its window, -inf windows point inside the image") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // [1, 1, 2, 4]: windows 2x2 stride 2 -> {1, nan, 3, 0}, {-inf, -inf, -inf, -inf}
  const std::vector<float> x{1, nan, -inf, -inf, 3, 0, -inf, -inf};
  kernels::Window2d g;
  g.height = 2;
  g.width = 4;
  g.kernel_h = g.kernel_w = 2;
  g.stride_h = g.stride_w = 2;
  float out[2];
  std::int32_t idx[2];
  kernels::max_pool2d_forward(x.data(), g, out, idx);
  CHECK(std::isnan(out[0]));
  CHECK(idx[0] == 1);
  CHECK(out[1] == -inf);
  CHECK(idx[1] == 2);  // the window's first in-image position, as torch
}

TEST_CASE("max_pool2d kernel 2x2: every window of NaN, -inf and ties, four at a time and in row tails") {
  // All 4^4 windows over {1, 2, NaN, -inf}, in rows of `per_row` windows: 256 or 259 in one
  // row (the vector path, four windows a step, then a tail of 3), or rows of 7, 3 or 1
  // (every window also through the gathered tail path; the CNN's deeper blocks have rows of
  // 7, 3 and 1). torch's rule, written out: start from -inf at the first position, then in
  // the order top-left, top-right, bottom-left, bottom-right take a value that is greater
  // or NaN.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float values[4] = {1.0f, 2.0f, nan, -inf};
  for (const std::int64_t per_row : {256, 259, 7, 3, 1}) {
    CAPTURE(per_row);
    const std::int64_t rows = (256 + per_row - 1) / per_row;
    const std::int64_t windows = rows * per_row;
    const std::int64_t width = 2 * per_row;
    std::vector<float> x(2 * rows * width);
    // Window w (row r = w / per_row, column c = w % per_row) has its top-left at
    // (2r, 2c) of the plane.
    auto top_left = [&](std::int64_t w) { return 2 * (w / per_row) * width + 2 * (w % per_row); };
    for (std::int64_t w = 0; w < windows; ++w) {
      const std::int64_t code = w % 256, p = top_left(w);
      x[p] = values[code % 4];
      x[p + 1] = values[code / 4 % 4];
      x[p + width] = values[code / 16 % 4];
      x[p + width + 1] = values[code / 64 % 4];
    }
    kernels::Window2d g;
    g.height = 2 * rows;
    g.width = width;
    g.kernel_h = g.kernel_w = 2;
    g.stride_h = g.stride_w = 2;
    std::vector<float> out(windows);
    std::vector<std::int32_t> idx(windows);
    kernels::max_pool2d_forward(x.data(), g, out.data(), idx.data());
    std::int64_t wrong = 0, nan_windows = 0;
    for (std::int64_t w = 0; w < windows; ++w) {
      const std::int64_t p = top_left(w);
      const std::int64_t positions[4] = {p, p + 1, p + width, p + width + 1};
      float best = -inf;
      std::int64_t where = positions[0];
      for (const std::int64_t q : positions) {
        if (x[q] > best || std::isnan(x[q])) {
          best = x[q];
          where = q;
        }
      }
      nan_windows += std::isnan(best);
      const bool same_value = std::isnan(best) ? std::isnan(out[w]) : out[w] == best;
      wrong += !same_value || idx[w] != where;
    }
    CHECK(wrong == 0);
    CHECK(nan_windows >= 175);  // 256 - 81 windows without a NaN, at least
  }
}

TEST_CASE("max_pool2d keeps no indices and builds no node when no gradient is needed") {
  Tensor x = random_tensor({1, 2, 4, 4}, 3);
  CHECK(F::max_pool2d(x, {2, 2}).grad_fn() == nullptr);
  x.requires_grad_(true);
  nnkit::NoGradGuard no_grad;
  Tensor y = F::max_pool2d(x, {2, 2});
  CHECK(y.grad_fn() == nullptr);
  CHECK(y.shape() == Shape{1, 2, 2, 2});
}

// ------------------------------------------------------------ finite differences

TEST_CASE("max_pool2d gradient agrees with central finite differences (no ties)") {
  const std::vector<PoolSpec> specs = {
      {{2, 2, 6, 6}, {2, 2}, {2, 2}, {0, 0}},
      {{1, 2, 7, 5}, {3, 3}, {2, 2}, {1, 1}},
      {{1, 1, 5, 5}, {3, 2}, {1, 1}, {1, 0}},
  };
  unsigned seed = 900;
  for (const auto& s : specs) {
    const std::string what = describe(s);
    CAPTURE(what);
    testing::check_gradients(
        [&](const std::vector<Tensor>& in) {
          return F::max_pool2d(in[0], s.kernel, s.stride, s.padding);
        },
        {distinct_tensor(s.x, seed++)}, what);
  }
}

// ------------------------------------------------------------------------ module

TEST_CASE("nn::MaxPool2d prints exactly as torch's str() for every MaxPool2d in repr.json") {
  using nnkit::nn::MaxPool2d;
  const std::map<std::string, std::function<MaxPool2d()>> make = {
      {"nn.MaxPool2d(2)", [] { return MaxPool2d(2); }},
      {"nn.MaxPool2d(3, stride=1, padding=1)", [] { return MaxPool2d(3, 1, 1); }},
      {"nn.MaxPool2d(3, stride=2)", [] { return MaxPool2d(3, 2); }},
  };
  int seen = 0;
  for (const auto& m : torch_golden("repr.json").at("modules")) {
    const std::string expr = m.at("expr");
    if (expr.rfind("nn.MaxPool2d(", 0) != 0) continue;
    CAPTURE(expr);
    REQUIRE_MESSAGE(make.count(expr) == 1, "no C++ constructor in this test for " << expr);
    CHECK(make.at(expr)().repr() == m.at("str").get<std::string>());
    ++seen;
  }
  CHECK(seen == static_cast<int>(make.size()));
}

TEST_CASE("nn::MaxPool2d: stride defaults to kernel_size, no parameters, forwards to max_pool2d") {
  nnkit::nn::MaxPool2d pool(2);
  CHECK(pool.stride == 2);
  CHECK(pool.named_parameters().empty());
  Tensor x = random_tensor({2, 3, 6, 7}, 5);
  Tensor y = pool(x);
  CHECK(y.shape() == Shape{2, 3, 3, 3});
  testing::check_close(y, F::max_pool2d(x, {2, 2}, {2, 2}), "MaxPool2d(2) forward", 0.0, 1e-30);
}

// ------------------------------------------------------------------------ errors

TEST_CASE("max_pool2d rejects bad shapes and arguments with messages naming them") {
  struct Case {
    std::string what;
    std::function<void()> call;
    std::vector<std::string> mentions;
  };
  const Tensor x = Tensor::zeros({2, 3, 8, 8});
  const std::vector<Case> cases = {
      {"3-D input", [] { F::max_pool2d(Tensor::zeros({3, 28, 28}), {2, 2}); },
       {"[3, 28, 28]", "4-D", "reshape"}},
      {"padding above half the kernel", [&] { F::max_pool2d(x, {3, 3}, {1, 1}, {2, 2}); },
       {"padding (2, 2)", "kernel_size (3, 3)", "at most half of kernel size"}},
      {"zero kernel", [&] { F::max_pool2d(x, {0, 2}); }, {"kernel_size (0, 2)", "positive"}},
      {"negative stride", [&] { F::max_pool2d(x, {2, 2}, {-1, 2}); }, {"stride (-1, 2)"}},
      {"negative padding", [&] { F::max_pool2d(x, {2, 2}, {2, 2}, {0, -1}); },
       {"padding (0, -1)", "non-negative"}},
      {"kernel larger than the input",
       [] { F::max_pool2d(Tensor::zeros({1, 1, 2, 5}), {3, 3}); },
       {"[1, 1, 2, 5]", "kernel_size (3, 3)", "2x5"}},
      {"module with padding above half the kernel", [] { nnkit::nn::MaxPool2d(2, 2, 2); },
       {"kernel_size=2, stride=2, padding=2"}},
      {"module with negative stride", [] { nnkit::nn::MaxPool2d(2, -2); }, {"stride=-2"}},
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
