// torch's CPU generator and the draws built on it (see generator.hpp for what is exact).
#include <nnkit/random/generator.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <nnkit/error.hpp>

namespace nnkit {

namespace {
constexpr double kPi = 3.141592653589793238462643383279502884;

// torch's random64(): two 32-bit draws, the first the high word.
std::uint64_t join_draws(std::uint32_t high, std::uint32_t low) {
  return (std::uint64_t{high} << 32) | low;
}

// uniform_real_distribution<double>: the low 53 bits scaled into [0, 1).
double unit_double(std::uint64_t bits) {
  return static_cast<double>(bits & ((1ULL << 53) - 1)) * (1.0 / static_cast<double>(1ULL << 53));
}
}  // namespace

void Generator::manual_seed(std::uint64_t seed) {
  seed_ = seed;
  engine_.seed(static_cast<std::uint32_t>(seed & 0xffffffffULL));
  draws_ = 0;
  next_normal_.reset();
}

std::uint64_t Generator::random64() {
  const std::uint32_t high = random();  // sequenced: the first draw is the high word
  return join_draws(high, random());
}

float Generator::uniform_float() {
  return static_cast<float>(random() & ((1u << 24) - 1)) * (1.0f / static_cast<float>(1u << 24));
}

double Generator::uniform_double() { return unit_double(random64()); }

void Generator::bernoulli(std::uint8_t* out, std::int64_t count, double p) {
  // Draws in bulk, two per element (random64: the first draw is the high word).
  constexpr std::int64_t kBlock = 1024;
  std::uint32_t draws[2 * kBlock];
  for (std::int64_t first = 0; first < count; first += kBlock) {
    const std::int64_t size = std::min(kBlock, count - first);
    engine_.generate(draws, static_cast<std::size_t>(2 * size));
    for (std::int64_t i = 0; i < size; ++i) {
      out[first + i] = unit_double(join_draws(draws[2 * i], draws[2 * i + 1])) < p;
    }
  }
  draws_ += 2 * static_cast<std::uint64_t>(count);
}

double Generator::normal_double() {
  if (next_normal_) {
    const double cached = *next_normal_;
    next_normal_.reset();
    return cached;
  }
  const double u1 = uniform_double();
  const double u2 = uniform_double();
  const double r = std::sqrt(-2.0 * std::log1p(-u2));
  const double theta = 2.0 * kPi * u1;
  next_normal_ = r * std::sin(theta);
  return r * std::cos(theta);
}

Generator& default_generator() {
  static Generator generator;
  return generator;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

Tensor rand(const Shape& shape) {
  Tensor out = Tensor::empty(shape);
  auto& generator = default_generator();
  float* p = out.data();
  for (std::int64_t i = 0, n = out.numel(); i < n; ++i) p[i] = generator.uniform_float();
  return out;
}

Tensor randn(const Shape& shape) {
  Tensor out = Tensor::empty(shape);
  auto& generator = default_generator();
  float* p = out.data();
  const auto n = out.numel();
  if (n < 16) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(generator.normal_double());
    return out;
  }
  // torch's normal_fill: all uniforms first, then Box–Muller on pairs (j, j + 8) of each
  // block of 16; a ragged tail redraws and transforms the last 16 values.
  auto fill_16 = [](float* block) {
    for (int j = 0; j < 8; ++j) {
      const float u1 = 1.0f - block[j];  // [0, 1) -> (0, 1] for the log
      const float u2 = block[j + 8];
      const float radius = std::sqrt(-2.0f * std::log(u1));
      const float theta = 2.0f * static_cast<float>(kPi) * u2;
      block[j] = radius * std::cos(theta);
      block[j + 8] = radius * std::sin(theta);
    }
  };
  for (std::int64_t i = 0; i < n; ++i) p[i] = generator.uniform_float();
  for (std::int64_t i = 0; i + 16 <= n; i += 16) fill_16(p + i);
  if (n % 16 != 0) {
    float* tail = p + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = generator.uniform_float();
    fill_16(tail);
  }
  return out;
}

namespace init {

std::int64_t fan_in(const Tensor& weight) {
  if (weight.dim() < 2) {
    throw Error(fmt::format("fan_in: cannot compute fan in for a tensor with fewer than 2 "
                            "dimensions (shape {})", to_string(weight.shape())));
  }
  std::int64_t receptive_field = 1;
  for (std::int64_t d = 2; d < weight.dim(); ++d) receptive_field *= weight.shape()[d];
  return weight.shape()[1] * receptive_field;
}

void uniform_(Tensor& tensor, double a, double b) {
  if (!(a <= b)) throw Error(fmt::format("uniform_: expected a <= b, got a={} b={}", a, b));
  // torch casts the bounds to the tensor's type and computes u * (b - a) + a in float32,
  // in its AVX2 kernel contracted to one fused multiply-add (one rounding): std::fma
  // reproduces its seeded weights bit for bit, two roundings miss ~40% by one ulp.
  const float from = static_cast<float>(a), to = static_cast<float>(b);
  auto& generator = default_generator();
  float* p = tensor.data();
  for (std::int64_t i = 0, n = tensor.numel(); i < n; ++i) {
    p[i] = std::fma(generator.uniform_float(), to - from, from);
  }
}

void kaiming_uniform_(Tensor& tensor, double a) {
  const auto fan = fan_in(tensor);
  if (fan == 0) return;  // torch warns and leaves the tensor alone
  const double gain = std::sqrt(2.0 / (1.0 + std::pow(a, 2)));
  const double std_dev = gain / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * std_dev;
  uniform_(tensor, -bound, bound);
}

void default_weight_and_bias_(Tensor& weight, Tensor& bias) {
  kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in(weight)));
    uniform_(bias, -bound, bound);
  }
}

}  // namespace init

}  // namespace nnkit
