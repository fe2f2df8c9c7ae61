#include <nnkit/nn/dropout.hpp>

#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/functional.hpp>

namespace nnkit::nn {

namespace {

// Python's repr of a float: shortest round-trip digits, and "1.0" not "1".
std::string python_float(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_not_of("-0123456789") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

Dropout::Dropout(double p_) : p(p_) { check_probability(p); }

void Dropout::check_probability(double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw Error(fmt::format("Dropout: probability has to be between 0 and 1, but got p = {}", p));
  }
}

Tensor Dropout::forward(const Tensor& input) {
  return functional::dropout(input, p, is_training());
}

std::string Dropout::extra_repr() const {
  return fmt::format("p={}, inplace=False", python_float(p));
}

}  // namespace nnkit::nn
