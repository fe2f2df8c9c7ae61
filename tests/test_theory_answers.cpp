// The written part's answer key (solution/theory.md) against nnkit: every numeric answer
// is recomputed here with the library (convolution values, output sizes, parameter
// counts, activation slopes) and compared with the key's "Answer Q…:" lines, so a wrong
// key cannot ship.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nnkit/nnkit.hpp>

using namespace nnkit;

namespace {

/// The key's machine-readable lines, "Answer Q3.1a: e = 31, v = -29" -> {"Q3.1a": "e = 31, v = -29"}.
std::map<std::string, std::string> answer_lines() {
  std::ifstream in(NNKIT_THEORY_KEY);
  REQUIRE_MESSAGE(in.good(), "cannot open the answer key " << NNKIT_THEORY_KEY);
  std::map<std::string, std::string> answers;
  const std::regex line_pattern(R"(^Answer (Q[0-9.a-z]+): (.*)$)");
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_match(line, match, line_pattern)) answers[match[1]] = match[2];
  }
  return answers;
}

const std::string& answer(const std::string& question) {
  static const auto answers = answer_lines();
  const auto found = answers.find(question);
  REQUIRE_MESSAGE(found != answers.end(), "the key has no line \"Answer " << question << ": …\"");
  return found->second;
}

/// Output [H, W] of a conv2d with a k×k filter on an h×w single-channel image, by running it.
Shape conv_output(std::int64_t h, std::int64_t w, std::int64_t k, std::int64_t stride, std::int64_t padding) {
  NoGradGuard no_grad;
  const Tensor image = Tensor::zeros({1, 1, h, w});
  const Tensor filter = Tensor::zeros({1, 1, k, k});
  const Tensor out = F::conv2d(image, filter, Tensor(), {stride, stride}, {padding, padding});
  return {out.size(2), out.size(3)};
}

}  // namespace

TEST_CASE("Q1.2: slopes of sigmoid and tanh at 0, by autograd") {
  Tensor z = Tensor::zeros({1}).requires_grad_();
  z.sigmoid().sum().backward();
  const float sigmoid_slope = z.grad().item();
  Tensor u = Tensor::zeros({1}).requires_grad_();
  u.tanh().sum().backward();
  const float tanh_slope = u.grad().item();
  CHECK(answer("Q1.2") == fmt::format("sigmoid'(0) = {}, tanh'(0) = {}", sigmoid_slope, tanh_slope));
}

TEST_CASE("Q1.1: sigmoid stays inside (0, 1) on moderate inputs") {
  const Tensor z = Tensor::from_vector({5}, {-15, -1, 0, 1, 15});
  const Tensor s = z.sigmoid();
  for (int i = 0; i < 5; ++i) CHECK((s.data()[i] > 0.0f && s.data()[i] < 1.0f));
}

TEST_CASE("Q3.1a: e and v by nnkit's conv2d (padding 1, stride 1)") {
  const Tensor image = Tensor::from_vector({1, 1, 6, 6}, {8, 1, 7, -2, 5, 0,  -2, 1, 4, 6, 3, 3,
                                                          5, 1, 1, 3, -2, 6,  -1, 5, 0, 3, -2, 9,
                                                          8, -2, -1, -1, 4, 9, -2, 0, -2, 9, -1, 7});
  const Tensor filter = Tensor::from_vector({1, 1, 4, 4}, {2, -1, 2, -1, 1, 3, 1, 3,
                                                           2, -1, 2, -1, 1, 3, 1, 3});
  const Tensor y = F::conv2d(image, filter, Tensor(), {1, 1}, {1, 1});
  REQUIRE(y.shape() == Shape{1, 1, 5, 5});
  const int e = static_cast<int>(y.data()[0 * 5 + 4]);  // row 1, column 5
  const int v = static_cast<int>(y.data()[4 * 5 + 1]);  // row 5, column 2
  CHECK(answer("Q3.1a") == fmt::format("e = {}, v = {}", e, v));
}

TEST_CASE("Q3.1b: output size of a 10x12 map, 6x6 filter, padding 2, stride 2") {
  const Shape out = conv_output(10, 12, 6, 2, 2);
  CHECK(answer("Q3.1b") == fmt::format("{} x {}", out[0], out[1]));
}

TEST_CASE("Q3.2a: which filter sizes keep 32x32 at stride 1") {
  std::vector<std::string> keep;
  for (auto [n, padding, label] : std::vector<std::tuple<int, int, std::string>>{
           {4, 2, "n = 4"}, {5, 2, "n = 5"}, {10, 4, "doubled padding n = 10"}, {9, 4, "doubled padding n = 9"}}) {
    if (conv_output(32, 32, n, 1, padding) == Shape{32, 32}) keep.push_back(label);
  }
  CHECK(answer("Q3.2a") == fmt::format("{}", fmt::join(keep, ", ")));
}

TEST_CASE("Q3.2c, Q3.2d, Q3.2e: parameter counts of nnkit's Conv2d") {
  const auto with_bias = nn::Conv2d(3, 1, 3, 1, 2).num_parameters();
  const auto without_bias = nn::Conv2d(3, 1, 3, 1, 2, false).num_parameters();
  CHECK(answer("Q3.2c") == fmt::format("with bias {}, without bias {}", with_bias, without_bias));

  const auto per_filter = nn::Conv2d(1, 1, 4, 2).num_parameters();
  CHECK(answer("Q3.2d") == fmt::format("{}", per_filter));

  nn::Sequential two_layers(nn::Conv2d(1, 4, 6, 2, 2), nn::Conv2d(4, 3, 3, 1, 0));
  CHECK(two_layers(Tensor::zeros({1, 1, 28, 28})).shape() == Shape{1, 3, 12, 12});  // the layers fit
  CHECK(answer("Q3.2e") == fmt::format("{}", two_layers.num_parameters()));
}
