// Modules as a whole: PyTorch-identical reprs, parameter and buffer names, counts,
// train/eval recursion, zero_grad, Sequential indexing, and the assignment's two models
// — all against lib/tests/golden/torch/repr.json (PyTorch 1.13).
#include "testing.hpp"

#include <functional>
#include <map>

#include <nnkit/error.hpp>
#include <nnkit/nnkit.hpp>

using namespace nnkit;
using nnkit::testing::json;

namespace {

// The part-2 network of docs/assignment.md.
nn::Sequential make_mlp() { return nn::Sequential(nn::Linear(784, 32), nn::ReLU(), nn::Linear(32, 10)); }

// The part-3 network of docs/assignment.md: four conv blocks, then the classifier head.
nn::Sequential make_cnn() {
  nn::Sequential model;
  std::int64_t in = 1;
  for (std::int64_t out : {32, 64, 128, 256}) {
    model.push_back(nn::Conv2d(in, out, 3, 1, 1));
    model.push_back(nn::ReLU());
    model.push_back(nn::MaxPool2d(2));
    model.push_back(nn::BatchNorm2d(out));
    model.push_back(nn::Dropout(0.3));
    in = out;
  }
  model.push_back(nn::Flatten());
  model.push_back(nn::Linear(256, 128));
  model.push_back(nn::ReLU());
  model.push_back(nn::Linear(128, 10));
  return model;
}

}  // namespace

TEST_CASE("every module prints exactly as torch's str()") {
  const std::map<std::string, std::function<std::string()>> build = {
      {"nn.Linear(784, 32)", [] { return nn::Linear(784, 32).repr(); }},
      {"nn.Linear(4, 3, bias=False)", [] { return nn::Linear(4, 3, false).repr(); }},
      {"nn.ReLU()", [] { return nn::ReLU().repr(); }},
      {"nn.Conv2d(1, 32, 3, 1, 1)", [] { return nn::Conv2d(1, 32, 3, 1, 1).repr(); }},
      {"nn.Conv2d(3, 8, kernel_size=5, stride=2)", [] { return nn::Conv2d(3, 8, 5, 2).repr(); }},
      {"nn.Conv2d(3, 8, 3, bias=False)", [] { return nn::Conv2d(3, 8, 3, 1, 0, false).repr(); }},
      {"nn.Conv2d(2, 4, 4, stride=2, padding=1)", [] { return nn::Conv2d(2, 4, 4, 2, 1).repr(); }},
      {"nn.MaxPool2d(2)", [] { return nn::MaxPool2d(2).repr(); }},
      {"nn.MaxPool2d(3, stride=1, padding=1)", [] { return nn::MaxPool2d(3, 1, 1).repr(); }},
      {"nn.MaxPool2d(3, stride=2)", [] { return nn::MaxPool2d(3, 2).repr(); }},
      {"nn.BatchNorm2d(32)", [] { return nn::BatchNorm2d(32).repr(); }},
      {"nn.BatchNorm2d(4, eps=1e-3, momentum=0.2)", [] { return nn::BatchNorm2d(4, 1e-3, 0.2).repr(); }},
      {"nn.Dropout(0.3)", [] { return nn::Dropout(0.3).repr(); }},
      {"nn.Dropout()", [] { return nn::Dropout().repr(); }},
      {"nn.Flatten()", [] { return nn::Flatten().repr(); }},
      {"nn.CrossEntropyLoss()", [] { return nn::CrossEntropyLoss().repr(); }},
      {"nn.Sequential()", [] { return nn::Sequential().repr(); }},
  };
  int compared = 0;
  for (const auto& module : testing::torch_golden("repr.json").at("modules")) {
    const auto expr = module.at("expr").get<std::string>();
    CAPTURE(expr);
    REQUIRE_MESSAGE(build.count(expr), "no nnkit counterpart for " << expr);
    CHECK(build.at(expr)() == module.at("str").get<std::string>());
    ++compared;
  }
  CHECK(compared == static_cast<int>(build.size()));
}

TEST_CASE("the assignment's models: repr, parameter and buffer names, counts") {
  const std::map<std::string, std::function<nn::Sequential()>> models = {{"mlp", make_mlp}, {"cnn", make_cnn}};
  for (const auto& [key, make] : models) {
    CAPTURE(key);
    const auto& golden = testing::torch_golden("repr.json").at("models").at(key);
    nn::Sequential model = make();
    CHECK(model.repr() == golden.at("str").get<std::string>());
    CHECK(model.num_parameters() == golden.at("num_parameters").get<std::int64_t>());
    const auto parameters = model.named_parameters();
    REQUIRE(parameters.size() == golden.at("named_parameters").size());
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      CHECK(parameters[i].first == golden.at("named_parameters")[i].at("name").get<std::string>());
      CHECK(parameters[i].second.shape() == golden.at("named_parameters")[i].at("shape").get<Shape>());
    }
    const auto buffers = model.named_buffers();
    REQUIRE(buffers.size() == golden.at("named_buffers").size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      CHECK(buffers[i].first == golden.at("named_buffers")[i].at("name").get<std::string>());
      CHECK(buffers[i].second.shape() == golden.at("named_buffers")[i].at("shape").get<Shape>());
    }
  }
}

TEST_CASE("train() and eval() reach every child; zero_grad zeroes every parameter's grad") {
  nn::Sequential model = make_mlp();
  CHECK(model.is_training());
  model.eval();
  CHECK_FALSE(model.is_training());
  CHECK_FALSE(model[0].is_training());
  CHECK_FALSE(model[2].is_training());
  model.train();
  CHECK(model[1].is_training());

  Tensor x = Tensor::ones({2, 784});
  model(x).sum().backward();
  for (const auto& parameter : model.parameters()) REQUIRE(parameter.grad().defined());
  model.zero_grad();
  for (const auto& parameter : model.parameters()) {
    const Tensor grad = parameter.grad();
    for (std::int64_t i = 0; i < grad.numel(); ++i) REQUIRE(grad.data()[i] == 0.0f);
  }
}

TEST_CASE("copying a model shares its parameters, as Python names do") {
  nn::Sequential model = make_mlp();
  nn::Sequential alias = model;
  CHECK(alias.parameters()[0].is_same(model.parameters()[0]));
}

TEST_CASE("Sequential indexing and typed access fail clearly") {
  nn::Sequential model = make_mlp();
  CHECK(model.size() == 3);
  CHECK(model.at<nn::Linear>(2).out_features == 10);
  CHECK_THROWS_WITH_AS(model[3], doctest::Contains("index 3 is out of range"), Error);
  CHECK_THROWS_WITH_AS(model.at<nn::Linear>(1), doctest::Contains("module 1 is a ReLU"), Error);
  CHECK_THROWS_WITH_AS(nn::Linear(0, 3), doctest::Contains("in_features=0"), Error);
}
