#pragma once
/// nnkit's random numbers, drawn exactly as torch's CPU generator draws them: one MT19937
/// stream seeded by `manual_seed`, so seeded weights, rand() values and dropout masks
/// equal PyTorch 1.13's bit for bit.
///
/// - rand: (u32 & 0xFFFFFF) · 2^-24, and uniform_(a, b) = u · (b − a) + a in float32.
/// - randn: below 16 elements torch uses double Box–Muller on 53-bit uniforms with a cached
///   second value — reproduced exactly. From 16 elements torch 1.13 fills all uniforms
///   first and transforms blocks of 16 with vectorised (AVX2, Sleef) float32 log/sin/cos;
///   we reproduce the same draws and layout with std:: math, which agrees to about 1e-6
///   relative but not always bit for bit.
/// - bernoulli (dropout masks): one 53-bit uniform per element (two 32-bit draws), kept
///   when u < 1 − p, as torch's CPU kernel without MKL (Debian's build).
#include <cstdint>
#include <optional>

#include <nnkit/random/mt19937.hpp>
#include <nnkit/tensor.hpp>

namespace nnkit {

/// torch's CPUGeneratorImpl: MT19937 plus the cached second Box–Muller sample.
class Generator {
public:
  explicit Generator(std::uint64_t seed = 67280421310721ULL) { manual_seed(seed); }
  /// Reseeds; torch seeds MT19937 with the low 32 bits (init_genrand).
  void manual_seed(std::uint64_t seed);
  std::uint64_t initial_seed() const { return seed_; }
  /// One 32-bit draw (torch's random()).
  std::uint32_t random() {
    ++draws_;
    return static_cast<std::uint32_t>(engine_());
  }
  /// How many 32-bit draws since the last seeding: a position in the stream.
  std::uint64_t draws() const { return draws_; }

  /// The whole generator state, to rewind to (torch's get_state/set_state).
  struct State {
    Mt19937 engine;
    std::uint64_t draws;
    std::optional<double> next_normal;
  };
  State get_state() const { return {engine_, draws_, next_normal_}; }
  void set_state(const State& state) {
    engine_ = state.engine;
    draws_ = state.draws;
    next_normal_ = state.next_normal;
  }
  /// Two 32-bit draws as one 64-bit value, first draw high (torch's random64()).
  std::uint64_t random64();
  /// float in [0, 1) from 24 bits (torch's uniform_real_distribution<float>).
  float uniform_float();
  /// double in [0, 1) from 53 bits (uniform_real_distribution<double>).
  double uniform_double();
  /// One standard normal double by Box–Muller, caching the second (normal_distribution<double>).
  double normal_double();
  /// torch's bernoulli_(p) on `count` elements in one call: out[i] = uniform_double() < p,
  /// drawn in order (the same stream as `count` uniform_double() calls, without a call each).
  void bernoulli(std::uint8_t* out, std::int64_t count, double p);

private:
  Mt19937 engine_;
  std::uint64_t seed_ = 0;
  std::uint64_t draws_ = 0;
  std::optional<double> next_normal_;
};

/// The default generator all nnkit functions draw from (torch's default CPU generator).
Generator& default_generator();

/// torch.manual_seed(seed).
void manual_seed(std::uint64_t seed);

/// torch.rand(shape): uniform [0, 1) float32.
Tensor rand(const Shape& shape);
/// torch.randn(shape): standard normal float32 (see the header note for ≥ 16 elements).
Tensor randn(const Shape& shape);

/// In-place initialisers (torch.nn.init) drawing from the default generator.
namespace init {
/// uniform_(tensor, a, b).
void uniform_(Tensor& tensor, double a, double b);
/// kaiming_uniform_(tensor, a, mode="fan_in", nonlinearity="leaky_relu"):
/// bound = sqrt(3) · sqrt(2 / (1 + a²)) / sqrt(fan_in), computed in double as torch does.
void kaiming_uniform_(Tensor& tensor, double a);
/// torch's default for Linear and Conv2d (their reset_parameters): weight by
/// kaiming_uniform_(a = sqrt(5)), then bias, if defined, U(−1/sqrt(fan_in), 1/sqrt(fan_in)).
void default_weight_and_bias_(Tensor& weight, Tensor& bias);
/// fan_in of a weight: size(1) · receptive field (torch's _calculate_fan_in_and_fan_out).
std::int64_t fan_in(const Tensor& weight);
}  // namespace init

}  // namespace nnkit
