#pragma once
// Shared helpers for nnkit's tests: golden JSON loading, tolerant comparison with the
// failing index and values in the message, central finite differences, and the small
// utilities several test files need (error messages, test tensors).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <nnkit/autograd/node.hpp>
#include <nnkit/error.hpp>
#include <nnkit/tensor.hpp>

namespace nnkit::testing {

using json = nlohmann::json;

/// Reads lib/tests/golden/<relative_path> (written by the scripts beside it).
inline json load_golden(const std::string& relative_path) {
  const std::string path = std::string(NNKIT_GOLDEN_DIR) + "/" + relative_path;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open golden file " << path << " (run `make golden`)");
  return json::parse(in);
}

/// load_golden("torch/<file>"), parsed once per test binary and file, then cached.
inline const json& torch_golden(const std::string& file) {
  static std::map<std::string, json> cache;
  auto it = cache.find(file);
  if (it == cache.end()) it = cache.emplace(file, load_golden("torch/" + file)).first;
  return it->second;
}

/// golden/numpy_sklearn.json, parsed once; a missing file throws std::runtime_error (no REQUIRE).
inline const json& numpy_sklearn_golden() {
  static const json doc = [] {
    const std::string path = NNKIT_GOLDEN_DIR "/numpy_sklearn.json";
    std::ifstream in(path);
    if (!in) {
      throw std::runtime_error("cannot open " + path +
                               "; regenerate it with tools/make_golden.sh");
    }
    return json::parse(in);
  }();
  return doc;
}

/// A golden tensor {"shape": [...], "dtype": "float32"|"int64", "data": [...]} as a Tensor.
inline Tensor tensor_from_json(const json& j, bool requires_grad = false) {
  Shape shape = j.at("shape").get<Shape>();
  std::vector<float> data;
  for (const auto& v : j.at("data")) data.push_back(v.get<float>());
  const bool is_int = j.value("dtype", "float32") == "int64";
  Tensor t = Tensor::from_vector(shape, std::move(data), is_int ? Dtype::Int64 : Dtype::Float32);
  if (requires_grad) t.requires_grad_(true);
  return t;
}

/// Largest |got − expected| / max(|expected|, floor) over all elements (floor avoids
/// dividing by values that are zero up to float noise).
inline double max_relative_error(const Tensor& got, const Tensor& expected, double floor = 1e-3) {
  double worst = 0.0;
  for (std::int64_t i = 0; i < expected.numel(); ++i) {
    const double e = expected.data()[i], g = got.data()[i];
    worst = std::max(worst, std::abs(g - e) / std::max(std::abs(e), floor));
  }
  return worst;
}

/// Largest |element| of t (0 for an empty tensor).
inline double max_abs(const Tensor& t) {
  double m = 0.0;
  for (std::int64_t i = 0; i < t.numel(); ++i) m = std::max(m, double(std::abs(t.data()[i])));
  return m;
}

/// check_close's floor for sums that cancel (torch's oneDNN convolutions): max(1e-3, 1% of max_abs).
inline double cancellation_floor(const Tensor& expected) { return std::max(1e-3, 1e-2 * max_abs(expected)); }

/// CHECKs shape equality and that every element is within `rel` relative error of the
/// expected one (absolute below `floor`); names `what` and the first bad index on failure.
inline void check_close(const Tensor& got, const Tensor& expected, const std::string& what,
                        double rel = 1e-5, double floor = 1e-3) {
  REQUIRE_MESSAGE(got.defined(), what << ": got an undefined tensor");
  REQUIRE_MESSAGE(got.shape() == expected.shape(),
                  what << ": shape " << to_string(got.shape()) << ", expected "
                       << to_string(expected.shape()));
  for (std::int64_t i = 0; i < expected.numel(); ++i) {
    const double e = expected.data()[i], g = got.data()[i];
    const double error = std::abs(g - e) / std::max(std::abs(e), floor);
    if (!(error <= rel)) {
      FAIL_CHECK(fmt::format("{}: element {} is {:.9g}, expected {:.9g} (relative error {:.3g} > {:.1g})",
                             what, i, g, e, error, rel));
      return;
    }
  }
}

/// check_close with the default tolerances, then MESSAGEs the case's max relative error.
inline void check_close_and_log(const Tensor& got, const Tensor& expected, const std::string& what) {
  check_close(got, expected, what);
  MESSAGE(what << ": max relative error " << max_relative_error(got, expected));
}

/// Central finite differences of the scalar function f with respect to `input` (float64
/// arithmetic on a float32 tensor: step h, modified in place and restored).
inline Tensor numerical_gradient(const std::function<double()>& f, Tensor input, double h = 1e-2) {
  Tensor grad = Tensor::zeros(input.shape());
  float* x = input.data();
  for (std::int64_t i = 0; i < input.numel(); ++i) {
    const float saved = x[i];
    x[i] = static_cast<float>(saved + h);
    const double plus = f();
    x[i] = static_cast<float>(saved - h);
    const double minus = f();
    x[i] = saved;
    grad.data()[i] = static_cast<float>((plus - minus) / (2.0 * h));
  }
  return grad;
}

/// Checks autograd's gradient of sum(op(inputs) · weights) with respect to every input
/// against central finite differences. `op` builds the output from the inputs; `weights`
/// (fixed, random) make the scalar sensitive to every output element.
inline void check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& op,
                            std::vector<Tensor> inputs, const std::string& what,
                            double rel = 2e-2, double floor = 1e-2, double h = 1e-2) {
  for (auto& input : inputs) {
    input.requires_grad_(true);
    input.set_grad(Tensor());  // start from no accumulated gradient
  }
  Tensor out = op(inputs);
  std::vector<float> weights(out.numel());
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = std::sin(1.0f + 0.37f * i);
  const Tensor w = Tensor::from_vector(out.shape(), weights);
  (out * w).sum().backward();
  auto scalar = [&]() {
    NoGradGuard no_grad;
    Tensor y = op(inputs);
    double total = 0.0;
    for (std::int64_t i = 0; i < y.numel(); ++i) total += double(y.data()[i]) * weights[i];
    return total;
  };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Tensor numeric = numerical_gradient(scalar, inputs[k], h);
    check_close(inputs[k].grad(), numeric, fmt::format("{}: d/d input {}", what, k), rel, floor);
  }
}

/// Overwrites dst's elements with src's (REQUIREs equal shapes): sets parameters and buffers.
inline void copy_into(Tensor dst, const Tensor& src) {
  REQUIRE(dst.shape() == src.shape());
  std::copy_n(src.data(), src.numel(), dst.data());
}

/// Uniform [-1, 1) values from a local std::mt19937(seed), independent of nnkit's RNG; with
/// ties = true, integers in [-2, 2] instead, so that pooling windows hold equal maxima.
inline Tensor random_tensor(const Shape& shape, unsigned seed, bool ties = false) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(-2, 2);
  std::vector<float> values(numel_of(shape));
  for (auto& v : values) v = ties ? float(small(engine)) : uniform(engine);
  return Tensor::from_vector(shape, std::move(values));
}

/// Both tensors undefined, or both defined with the same shape and the same bytes (NaN
/// payloads and signed zeros included): what a fused op must give against the chain it
/// replaces. Reports the first differing element.
inline void check_same_bits(const Tensor& fused, const Tensor& chain, const std::string& what) {
  INFO(what);
  REQUIRE(fused.defined() == chain.defined());
  if (!fused.defined()) return;
  REQUIRE(fused.shape() == chain.shape());
  for (std::int64_t i = 0; i < fused.numel(); ++i) {
    if (std::memcmp(fused.data() + i, chain.data() + i, sizeof(float)) != 0) {
      FAIL_CHECK(fmt::format("element {}: fused {} vs chain {}", i, fused.data()[i],
                             chain.data()[i]));
      return;
    }
  }
}

/// The message of the nnkit::Error that fn throws; FAIL_CHECKs and returns "" if it throws none.
template <class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL_CHECK("expected an nnkit::Error, nothing was thrown");
  return {};
}

/// Whether text contains part.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace nnkit::testing
