// cnn_layer_times: where a training step of the assignment's CNN spends its time, layer by
// layer. Each of the 20 layers of the four blocks [Conv2d, ReLU, MaxPool2d(2), BatchNorm2d,
// Dropout(0.3)] runs alone in train mode on a batch of standard-normal inputs of its shape
// (2000 images by default: the full batch), forward then backward with a random upstream
// gradient; the best of --repeats runs is printed per layer, with GFLOP/s for convolutions.
// The first convolution's input needs no gradient, as in training. Layers run unfused;
// nn::Sequential runs each block's Conv2d, ReLU, MaxPool2d(2) as one fused pass, cheaper
// than those three rows together. The numbers guided issue 6's work; they are for finding
// hot spots, not for ratios (use `make bench`).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <nnkit/kernels/gemm.hpp>
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/batch_norm.hpp>
#include <nnkit/nn/conv2d.hpp>
#include <nnkit/nn/dropout.hpp>
#include <nnkit/nn/pooling.hpp>
#include <nnkit/random/generator.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Timing {
  double forward_ms, backward_ms;
};

/// Best forward and backward times of `layer` on fresh inputs of `shape`.
Timing time_layer(nnkit::nn::Module& layer, const nnkit::Shape& shape, bool input_grad,
                  int repeats) {
  Timing best{1e300, 1e300};
  layer.train();
  for (int r = 0; r < repeats; ++r) {
    nnkit::Tensor x = nnkit::randn(shape);
    x.requires_grad_(input_grad);
    auto start = Clock::now();
    nnkit::Tensor y = layer(x);
    const double forward = milliseconds_since(start);
    const nnkit::Tensor upstream = nnkit::randn(y.shape());
    start = Clock::now();
    y.backward(upstream);
    best.forward_ms = std::min(best.forward_ms, forward);
    best.backward_ms = std::min(best.backward_ms, milliseconds_since(start));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cnn_layer_times: forward/backward time of each layer of the assignment's CNN"};
  std::int64_t images = 2000;
  int threads = 2, repeats = 3;
  app.add_option("--images", images, "batch size (default 2000, the full batch)")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "nnkit worker threads (default 2)")->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "runs per layer; the best is printed (default 3)")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  nnkit::kernels::set_num_threads(threads);
  nnkit::manual_seed(1);
  const std::int64_t channels[] = {1, 32, 64, 128, 256};
  std::int64_t size = 28;  // 28 -> 14 -> 7 -> 3 -> 1 through the pools
  double total_forward = 0.0, total_backward = 0.0;
  fmt::print("{:<8} {:<12} {:>10} {:>11} {:>9}\n", "block", "layer", "fwd ms", "bwd ms", "GFLOP/s");
  for (int block = 0; block < 4; ++block) {
    const std::int64_t in = channels[block], out = channels[block + 1];
    std::vector<std::pair<std::string, std::shared_ptr<nnkit::nn::Module>>> layers = {
        {"Conv2d", std::make_shared<nnkit::nn::Conv2d>(in, out, 3, 1, 1)},
        {"ReLU", std::make_shared<nnkit::nn::ReLU>()},
        {"MaxPool2d", std::make_shared<nnkit::nn::MaxPool2d>(2)},
        {"BatchNorm2d", std::make_shared<nnkit::nn::BatchNorm2d>(out)},
        {"Dropout", std::make_shared<nnkit::nn::Dropout>(0.3)}};
    std::int64_t c = in, hw = size;
    for (auto& [name, layer] : layers) {
      const bool input_grad = !(block == 0 && name == "Conv2d");
      const Timing t = time_layer(*layer, {images, c, hw, hw}, input_grad, repeats);
      std::string rate;
      if (name == "Conv2d") {
        // 2 FLOPs per multiply-add; backward: weight gradient, plus input gradient after block 1.
        const double flops = 2.0 * static_cast<double>(images * in * out * 9 * hw * hw);
        rate = fmt::format("{:.1f} / {:.1f}", flops / t.forward_ms / 1e6,
                           (input_grad ? 2 : 1) * flops / t.backward_ms / 1e6);
        c = out;
      }
      if (name == "MaxPool2d") hw /= 2;
      fmt::print("{:<8} {:<12} {:>10.1f} {:>11.1f} {:>9}\n", block + 1, name, t.forward_ms,
                 t.backward_ms, rate);
      total_forward += t.forward_ms;
      total_backward += t.backward_ms;
    }
    size /= 2;
  }
  fmt::print("total: forward {:.1f} ms, backward {:.1f} ms\n", total_forward, total_backward);
  return 0;
}
