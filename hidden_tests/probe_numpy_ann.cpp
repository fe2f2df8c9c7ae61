// Part 1 probes (docs/assignment.md, "Part 1 — NumpyANN"): each calls the student's NumpyANN
// and observes what it returns or stores; the grader compares with the reference
// solution's observations (the manifest's cases). Inputs come from fixed seeds of nnkit's NumPy
// RandomState, so the reference and the student see the same numbers.
//
// Probes of one item avoid depending on other items where they can: except in the 1.1
// probes, every network gets its weights from the probe (the constructor only has to
// return), and the _backward probes store a forward pass computed here by plain loops.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include <nnkit/data/transforms.hpp>
#include <nnkit/random/numpy_random_state.hpp>

#include "assignment_manifest.hpp"
#include "numpy_ann.hpp"
#include "probe.hpp"

namespace {

using probe::Observer;
using xt::xarray;
using Rng = nnkit::numpy::RandomState;

/// A network whose sizes, lr and weights are set here, not by the student's constructor:
/// W1 = randn(in, hid) * 0.01, then W2 = randn(hid, out) * 0.01 from RandomState(seed),
/// zero biases — what a correct constructor holds, so doc examples keep their numbers.
NumpyANN network(std::size_t in, std::size_t hid, std::size_t out, double lr,
                 std::uint32_t seed = 42) {
  NumpyANN net(in, hid, out, lr, seed);
  net.input_size = in;
  net.hidden_size = hid;
  net.output_size = out;
  net.lr = lr;
  Rng rng(seed);
  net.W1 = rng.randn(in, hid) * 0.01;
  net.b1 = xt::zeros<double>({std::size_t{1}, hid});
  net.W2 = rng.randn(hid, out) * 0.01;
  net.b2 = xt::zeros<double>({std::size_t{1}, out});
  net.z1 = net.a1 = net.z2 = net.a2 = xarray<double>();
  return net;
}

/// One-hot rows [labels.size(), classes].
xarray<double> one_hot(const std::vector<std::size_t>& labels, std::size_t classes) {
  xarray<double> y = xt::zeros<double>({labels.size(), classes});
  for (std::size_t r = 0; r < labels.size(); ++r) y(r, labels[r]) = 1.0;
  return y;
}

std::vector<std::size_t> random_labels(Rng& rng, std::size_t n, std::size_t classes) {
  std::vector<std::size_t> labels;
  for (std::size_t i = 0; i < n; ++i) {
    labels.push_back(static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(classes))));
  }
  return labels;
}

/// The rows [start, stop) of a matrix.
xarray<double> rows(const xarray<double>& a, std::size_t start, std::size_t stop) {
  return xt::view(a, xt::range(start, stop), xt::all());
}

/// Stores on `net` the forward pass of X computed by plain loops and the given _softmax,
/// so the _backward probes do not depend on the student's _forward.
void naive_forward(NumpyANN& net, const xarray<double>& X) {
  const std::size_t m = X.shape()[0];
  net.z1 = xt::zeros<double>({m, net.hidden_size});
  net.z2 = xt::zeros<double>({m, net.output_size});
  for (std::size_t s = 0; s < m; ++s) {
    for (std::size_t h = 0; h < net.hidden_size; ++h) {
      double total = net.b1(0, h);
      for (std::size_t i = 0; i < net.input_size; ++i) total += X(s, i) * net.W1(i, h);
      net.z1(s, h) = total;
    }
  }
  net.a1 = xt::maximum(net.z1, 0.0);
  for (std::size_t s = 0; s < m; ++s) {
    for (std::size_t o = 0; o < net.output_size; ++o) {
      double total = net.b2(0, o);
      for (std::size_t h = 0; h < net.hidden_size; ++h) total += net.a1(s, h) * net.W2(h, o);
      net.z2(s, o) = total;
    }
  }
  net.a2 = net._softmax(net.z2);
}

/// One gradient step of item 1.6 by plain loops (all gradients from the old
/// weights, then the updates), after naive_forward(net, X): the doc example's state after
/// _backward without calling the student's _backward.
void naive_step(NumpyANN& net, const xarray<double>& X, const xarray<double>& y) {
  const std::size_t m = X.shape()[0], in = net.input_size, hid = net.hidden_size,
                    out = net.output_size;
  const xarray<double> dz2 = net.a2 - y;
  xarray<double> dz1 = xt::zeros<double>({m, hid});
  for (std::size_t s = 0; s < m; ++s) {
    for (std::size_t h = 0; h < hid; ++h) {
      double back = 0.0;
      for (std::size_t o = 0; o < out; ++o) back += dz2(s, o) * net.W2(h, o);
      dz1(s, h) = net.z1(s, h) > 0.0 ? back : 0.0;
    }
  }
  xarray<double> dW1 = xt::zeros<double>({in, hid}), db1 = xt::zeros<double>({std::size_t{1}, hid});
  xarray<double> dW2 = xt::zeros<double>({hid, out}), db2 = xt::zeros<double>({std::size_t{1}, out});
  const double md = static_cast<double>(m);
  for (std::size_t s = 0; s < m; ++s) {
    for (std::size_t h = 0; h < hid; ++h) {
      for (std::size_t o = 0; o < out; ++o) dW2(h, o) += net.a1(s, h) * dz2(s, o) / md;
      for (std::size_t i = 0; i < in; ++i) dW1(i, h) += X(s, i) * dz1(s, h) / md;
      db1(0, h) += dz1(s, h) / md;
    }
    for (std::size_t o = 0; o < out; ++o) db2(0, o) += dz2(s, o) / md;
  }
  net.W2 = net.W2 - net.lr * dW2;
  net.b2 = net.b2 - net.lr * db2;
  net.W1 = net.W1 - net.lr * dW1;
  net.b1 = net.b1 - net.lr * db1;
}

/// The doc examples' input X = [[1, 2, 3, 4, 5]] and label y = [[0, 1]].
xarray<double> doc_X() { return xarray<double>{{1.0, 2.0, 3.0, 4.0, 5.0}}; }
xarray<double> doc_y() { return xarray<double>{{0.0, 1.0}}; }

/// NumpyANN(5, 3, 2, 0.01) holding the weights after the _backward doc example (computed
/// here), for predict and accuracy without the student's _forward and _backward.
NumpyANN doc_net_after_backward() {
  NumpyANN net = network(5, 3, 2, 0.01);
  naive_forward(net, doc_X());
  naive_step(net, doc_X(), doc_y());
  net.z1 = net.a1 = net.z2 = net.a2 = xarray<double>();
  return net;
}

void observe_weights(Observer& obs, const NumpyANN& net, const std::string& prefix = "") {
  obs.array(prefix + "W1", net.W1);
  obs.array(prefix + "b1", net.b1);
  obs.array(prefix + "W2", net.W2);
  obs.array(prefix + "b2", net.b2);
}

void observe_stored(Observer& obs, const NumpyANN& net, const std::string& prefix = "") {
  obs.array(prefix + "z1", net.z1);
  obs.array(prefix + "a1", net.a1);
  obs.array(prefix + "z2", net.z2);
  obs.array(prefix + "a2", net.a2);
}

/// Edge values for the elementwise items: signed zeros, tiny normal and subnormal
/// magnitudes, huge ones, and (for relu_grad, whose output is finite) infinities.
xarray<double> edge_values(bool with_infinities) {
  const double inf = std::numeric_limits<double>::infinity();
  const double tiny = std::numeric_limits<double>::denorm_min();
  if (!with_infinities) return xarray<double>{0.0, -0.0, 1e-300, -1e-300, tiny, -tiny, 1e300, -1e300};
  return xarray<double>{0.0, -0.0, 1e-300, -1e-300, tiny, -tiny, 1e300, -1e300, inf, -inf};
}

/// A 1-D array of the values.
xarray<double> vector_array(const std::vector<double>& values) {
  xarray<double> a = xt::zeros<double>({values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return a;
}

/// The assignment's data, prepared as numpy_ann_main.cpp prepares it.
struct Prepared {
  xarray<double> X_train, y_train, X_val, y_val, X_test;
};

Prepared prepared_split() {
  namespace data = nnkit::data;
  const auto& split = probe::assignment_split();
  return {data::normalize_pixels<double>(data::flatten_images(split.X_train)),
          data::one_hot<double>(split.y_train),
          data::normalize_pixels<double>(data::flatten_images(split.X_val)),
          data::one_hot<double>(split.y_val),
          data::normalize_pixels<double>(data::flatten_images(split.X_test))};
}

/// Mean −log p[label] over the rows of probabilities p [N, C] and one-hot y: the loss
/// computed here, so the full-training probe depends on predict only.
double mean_log_loss(const xarray<double>& p, const xarray<double>& y) {
  double total = 0.0;
  for (std::size_t r = 0; r < y.shape()[0]; ++r) {
    for (std::size_t c = 0; c < y.shape()[1]; ++c) {
      if (y(r, c) != 0.0) total -= y(r, c) * std::log(p(r, c));
    }
  }
  return total / static_cast<double>(y.shape()[0]);
}

// ---- 1.1 constructor ----------------------------------------------------------------

void constructor_doc_example(Observer& obs) {
  NumpyANN net(5, 3, 2, 0.01);
  obs.scalar("input_size", static_cast<double>(net.input_size));
  obs.scalar("hidden_size", static_cast<double>(net.hidden_size));
  obs.scalar("output_size", static_cast<double>(net.output_size));
  obs.scalar("lr", net.lr);
  observe_weights(obs, net);
}

void constructor_seeds(Observer& obs) {
  for (std::uint32_t seed : {42u, 7u}) {
    NumpyANN net(5, 3, 2, 0.01, seed);
    observe_weights(obs, net, fmt::format("seed{}.", seed));
  }
}

void constructor_other_sizes(Observer& obs) {
  NumpyANN net(12, 7, 4, 0.05, 123);
  obs.scalar("input_size", static_cast<double>(net.input_size));
  obs.scalar("hidden_size", static_cast<double>(net.hidden_size));
  obs.scalar("output_size", static_cast<double>(net.output_size));
  obs.scalar("lr", net.lr);
  observe_weights(obs, net);
  NumpyANN wide(3, 9, 6, 1.5, 2024);
  observe_weights(obs, wide, "wide.");
}

void constructor_assignment_size(Observer& obs) {
  NumpyANN net(784, 64, 10, 0.01);
  obs.scalar("input_size", static_cast<double>(net.input_size));
  obs.scalar("hidden_size", static_cast<double>(net.hidden_size));
  obs.scalar("output_size", static_cast<double>(net.output_size));
  obs.scalar("lr", net.lr);
  // W1 has 50176 values: its shape, first two rows, last row and sum tell a wrong draw.
  const auto& s = net.W1.shape();
  obs.array("W1_shape", vector_array(std::vector<double>(s.begin(), s.end())));
  if (net.W1.dimension() == 2 && net.W1.shape()[0] >= 3) {
    obs.array("W1_rows_0_1", rows(net.W1, 0, 2));
    obs.array("W1_last_row", rows(net.W1, net.W1.shape()[0] - 1, net.W1.shape()[0]));
  }
  obs.scalar("W1_sum", xt::sum(net.W1)());
  obs.array("b1", net.b1);
  obs.array("W2", net.W2);
  obs.array("b2", net.b2);
}

// ---- 1.2 _relu, 1.3 _relu_grad --------------------------------------------------------

xarray<double> public_matrix() { return xarray<double>{{-2.5, 3.5}, {1e-300, -1e-300}}; }

void relu_doc_example(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  obs.array("relu", net._relu(xarray<double>{-1.0, 0.0, 1.0}));
  obs.array("relu_matrix", net._relu(public_matrix()));
}

void relu_random(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  Rng rng(1);
  obs.array("relu_matrix", net._relu(xarray<double>(rng.randn(6, 9))));
  xarray<double> cube = rng.randn(24);
  cube.reshape({2, 3, 4});
  obs.array("relu_3d", net._relu(cube));
  obs.array("relu_edges", net._relu(edge_values(false)));
  obs.array("relu_column", net._relu(xarray<double>(rng.randn(7, 1))));
}

void relu_grad_doc_example(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  obs.array("relu_grad", net._relu_grad(xarray<double>{-1.0, 0.0, 1.0}));
  obs.array("relu_grad_at_0", net._relu_grad(xarray<double>{0.0}));
  obs.array("relu_grad_matrix", net._relu_grad(public_matrix()));
}

void relu_grad_edges(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  Rng rng(2);
  obs.array("relu_grad_edges", net._relu_grad(edge_values(true)));
  obs.array("relu_grad_matrix", net._relu_grad(xarray<double>(rng.randn(5, 8))));
  xarray<double> cube = rng.randn(30);
  cube.reshape({5, 3, 2});
  obs.array("relu_grad_3d", net._relu_grad(cube));
  // A matrix of exact zeros and ±1 steps: only strictly positive entries give 1.
  xarray<double> steps = xt::zeros<double>({std::size_t{3}, std::size_t{4}});
  steps(0, 1) = 1.0;
  steps(1, 2) = -1.0;
  steps(2, 3) = 1.0;
  obs.array("relu_grad_steps", net._relu_grad(steps));
}

// ---- 1.4 _cross_entropy ---------------------------------------------------------------

void cross_entropy_doc_example(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  obs.scalar("cross_entropy", net._cross_entropy(xarray<double>{{0.5, 0.5}, {0.5, 0.5}},
                                                 xarray<double>{{1.0, 0.0}, {0.0, 1.0}}));
  obs.scalar("cross_entropy3",
             net._cross_entropy(xarray<double>{{0.7, 0.2, 0.1}, {0.1, 0.3, 0.6}, {0.25, 0.25, 0.5}},
                                xarray<double>{{1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}, {0.0, 1.0, 0.0}}));
}

void cross_entropy_random(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  Rng rng(5);
  // 7 rows, 10 classes: dividing by rows, columns or elements gives three answers.
  const xarray<double> p = net._softmax(xarray<double>(rng.randn(7, 10) * 3.0));
  obs.scalar("ce_one_hot", net._cross_entropy(p, one_hot(random_labels(rng, 7, 10), 10)));
  // Soft labels (rows summing to 1): the same formula, every term counts.
  xarray<double> soft = rng.rand(7, 10);
  for (std::size_t r = 0; r < 7; ++r) {
    double total = 0.0;
    for (std::size_t c = 0; c < 10; ++c) total += soft(r, c);
    for (std::size_t c = 0; c < 10; ++c) soft(r, c) /= total;
  }
  obs.scalar("ce_soft", net._cross_entropy(p, soft));
  obs.scalar("ce_one_row", net._cross_entropy(rows(p, 2, 3), one_hot({4}, 10)));
  // Large logits: the softmax is nearly one-hot; the loss is large where the label sits
  // on a probability near exp(-600), and near 0 where it sits on the winner.
  const xarray<double> sharp = net._softmax(xarray<double>{{300.0, 0.0, -300.0}, {-300.0, 300.0, 0.0}});
  obs.scalar("ce_large_logits_wrong", net._cross_entropy(sharp, one_hot({2, 0}, 3)));
  obs.scalar("ce_large_logits_right", net._cross_entropy(sharp, one_hot({0, 1}, 3)));
}

// ---- 1.5 _forward ----------------------------------------------------------------------

void forward_doc_example(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  obs.array("out", net._forward(doc_X()));
  observe_stored(obs, net);
}

void forward_not_training(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  net._forward(xarray<double>{{-1.0, 0.5, 2.0, 0.0, 1.0}, {3.0, -2.0, 1.0, 0.5, 0.0}});
  obs.array("out_eval", net._forward(doc_X(), false));
  observe_stored(obs, net);  // still the first call's
}

void forward_random(Observer& obs) {
  NumpyANN net = network(20, 8, 5, 0.01, 11);
  Rng rng(12);
  net.b1 = rng.randn(1, 8) * 0.1;
  net.b2 = rng.randn(1, 5) * 0.1;
  net.W1 = net.W1 * 20.0;  // hidden units on both sides of 0
  net.W2 = net.W2 * 50.0;
  const xarray<double> X = rng.randn(6, 20);
  obs.array("out", net._forward(X, true));
  observe_stored(obs, net);
  const xarray<double> X2 = rng.randn(3, 20);
  obs.array("out_eval", net._forward(X2, false));
  obs.array("z1_after_eval", net.z1);
}

void forward_large_logits(Observer& obs) {
  NumpyANN net = network(4, 6, 3, 0.01, 13);
  net.W1 = net.W1 * 100.0;
  net.W2 = net.W2 * 100.0;
  // Logits near 1000 (exp overflows to inf without the max shift), close enough to each
  // other that the probabilities are not one-hot.
  net.b2 = xarray<double>{{1000.0, 1000.5, 999.0}};
  Rng rng(14);
  const xarray<double> X = rng.randn(5, 4) * 3.0;
  obs.array("out", net._forward(X));
  obs.array("z2", net.z2);
  obs.array("a2", net.a2);
}

// ---- 1.6 _backward ---------------------------------------------------------------------

void backward_doc_example(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  naive_forward(net, doc_X());
  net._backward(doc_X(), doc_y());
  observe_weights(obs, net);
}

void backward_update_order(Observer& obs) {
  // The public test's case: W2 large enough that computing dz1 with the updated W2 shows.
  Rng rng(3);
  const xarray<double> X = rng.randn(4, 5);
  const xarray<double> y = {{1.0, 0.0}, {0.0, 1.0}, {0.0, 1.0}, {1.0, 0.0}};
  NumpyANN net = network(5, 3, 2, 0.5);
  net.W2 = net.W2 * 50.0;
  naive_forward(net, X);
  net._backward(X, y);
  observe_weights(obs, net);
}

void backward_update_order_hidden(Observer& obs) {
  NumpyANN net = network(8, 6, 3, 0.3, 5);
  Rng rng(21);
  net.W1 = net.W1 * 30.0;
  net.W2 = net.W2 * 40.0;
  net.b1 = rng.randn(1, 6) * 0.05;
  net.b2 = rng.randn(1, 3) * 0.05;
  const xarray<double> X = rng.randn(7, 8);
  const xarray<double> y = one_hot(random_labels(rng, 7, 3), 3);
  naive_forward(net, X);
  net._backward(X, y);
  observe_weights(obs, net);
}

void backward_several_steps(Observer& obs) {
  NumpyANN net = network(30, 16, 10, 0.1, 9);
  net.W1 = net.W1 * 10.0;
  net.W2 = net.W2 * 10.0;
  Rng rng(10);
  for (int step = 1; step <= 3; ++step) {
    const std::size_t m = step == 3 ? 5 : 12;  // the last batch shorter, as in train
    const xarray<double> X = rng.rand(m, 30);
    const xarray<double> y = one_hot(random_labels(rng, m, 10), 10);
    naive_forward(net, X);
    net._backward(X, y);
    if (step == 1) observe_weights(obs, net, "step1.");
  }
  observe_weights(obs, net, "step3.");
}

// ---- 1.7 train -------------------------------------------------------------------------

/// The public test's small set: RandomState(7), 10 training and 4 validation rows of 5
/// features, labelled by the sign of the row sum.
struct SmallSet {
  xarray<double> X, y, X_val, y_val;
};

SmallSet small_set() {
  Rng rng(7);
  auto label = [](const xarray<double>& X) {
    std::vector<std::size_t> labels;
    for (std::size_t r = 0; r < X.shape()[0]; ++r) {
      double total = 0.0;
      for (std::size_t c = 0; c < X.shape()[1]; ++c) total += X(r, c);
      labels.push_back(total > 0 ? 1 : 0);
    }
    return one_hot(labels, 2);
  };
  SmallSet s;
  s.X = rng.randn(10, 5);
  s.y = label(s.X);
  s.X_val = rng.randn(4, 5);
  s.y_val = label(s.X_val);
  return s;
}

void train_doc_example(Observer& obs) {
  const SmallSet s = small_set();
  NumpyANN net = network(5, 3, 2, 0.5);
  std::ostringstream printed;
  net.train(s.X, s.y, s.X_val, s.y_val, 20, 4, printed);
  obs.text("progress", printed.str());
  observe_weights(obs, net);
}

void train_batches_10x4(Observer& obs) {
  const SmallSet s = small_set();
  NumpyANN net = network(5, 3, 2, 0.5);
  std::ostringstream printed;
  net.train(s.X, s.y, s.X_val, s.y_val, 1, 4, printed);
  observe_weights(obs, net);
}

void train_progress_every_10(Observer& obs) {
  const SmallSet s = small_set();
  NumpyANN net = network(5, 3, 2, 0.5);
  std::ostringstream nine, more;
  net.train(s.X, s.y, s.X_val, s.y_val, 9, 4, nine);
  obs.text("progress_9_epochs", nine.str());
  net.train(s.X, s.y, s.X_val, s.y_val, 25, 4, more);
  obs.text("progress_25_epochs", more.str());
}

void train_batch_boundaries(Observer& obs) {
  Rng rng(31);
  struct Case {
    const char* name;
    std::size_t n, batch, epochs;
  };
  // Not a multiple of the batch; an exact multiple; a batch larger than the set; batch 1.
  for (const Case c : {Case{"n23_b5", 23, 5, 3}, Case{"n14_b7", 14, 7, 2},
                       Case{"n6_b10", 6, 10, 2}, Case{"n5_b1", 5, 1, 1}}) {
    const xarray<double> X = rng.randn(c.n, 6);
    const xarray<double> y = one_hot(random_labels(rng, c.n, 3), 3);
    const xarray<double> X_val = rng.randn(4, 6);
    const xarray<double> y_val = one_hot(random_labels(rng, 4, 3), 3);
    NumpyANN net = network(6, 5, 3, 0.4, 17);
    net.W1 = net.W1 * 30.0;
    net.W2 = net.W2 * 30.0;
    std::ostringstream printed;
    net.train(X, y, X_val, y_val, c.epochs, c.batch, printed);
    observe_weights(obs, net, std::string(c.name) + ".");
  }
}

void train_real_slice(Observer& obs) {
  const Prepared d = prepared_split();
  // 200 training images in batches of 32 (the last one 8), 50 validation images.
  const xarray<double> X = rows(d.X_train, 0, 200), y = rows(d.y_train, 0, 200);
  const xarray<double> X_val = rows(d.X_val, 0, 50), y_val = rows(d.y_val, 0, 50);
  NumpyANN net = network(784, 16, 10, 0.05, 3);
  std::ostringstream printed;
  net.train(X, y, X_val, y_val, 20, 32, printed);
  obs.text("progress", printed.str());
  obs.array("W1_rows_300_339", rows(net.W1, 300, 340));
  obs.array("b1", net.b1);
  obs.array("W2", net.W2);
  obs.array("b2", net.b2);
}

// ---- 1.8 predict -----------------------------------------------------------------------

void predict_doc_example(Observer& obs) {
  NumpyANN net = doc_net_after_backward();
  naive_forward(net, xarray<double>{{0.5, -1.0, 2.0, 0.0, 1.5}});
  obs.array("predict", net.predict(doc_X()));
  observe_stored(obs, net);  // predict leaves what _forward stored alone
}

void predict_random(Observer& obs) {
  NumpyANN net = network(20, 8, 5, 0.01, 19);
  net.W1 = net.W1 * 20.0;
  net.W2 = net.W2 * 50.0;
  Rng rng(20);
  net.b2 = rng.randn(1, 5) * 0.3;
  naive_forward(net, rng.randn(2, 20));
  obs.array("predict", net.predict(xarray<double>(rng.randn(9, 20))));
  obs.array("predict_one_row", net.predict(xarray<double>(rng.randn(1, 20))));
  observe_stored(obs, net);
}

// ---- 1.9 accuracy ----------------------------------------------------------------------

void accuracy_doc_example(Observer& obs) {
  NumpyANN net = doc_net_after_backward();
  obs.scalar("accuracy",
             net.accuracy(xarray<double>{{1.0, 2.0, 3.0, 4.0, 5.0}, {5.0, 4.0, 3.0, 2.0, 1.0},
                                         {-1.0, 0.0, 1.0, 0.0, -1.0}},
                          xarray<double>{{0.0, 1.0}, {1.0, 0.0}, {0.0, 1.0}}));
}

void accuracy_ties(Observer& obs) {
  NumpyANN net = network(5, 3, 2, 0.01);
  net.W2 = xt::zeros<double>({std::size_t{3}, std::size_t{2}});  // every prediction [0.5, 0.5]
  const xarray<double> X = {{1.0, 2.0, 3.0, 4.0, 5.0}, {5.0, 4.0, 3.0, 2.0, 1.0}};
  obs.scalar("accuracy_first_class", net.accuracy(X, xarray<double>{{1.0, 0.0}, {1.0, 0.0}}));
  obs.scalar("accuracy_mixed", net.accuracy(X, xarray<double>{{0.0, 1.0}, {1.0, 0.0}}));
}

void accuracy_random(Observer& obs) {
  NumpyANN net = network(12, 10, 10, 0.01, 17);
  net.W1 = net.W1 * 30.0;
  net.W2 = net.W2 * 100.0;
  Rng rng(18);
  const xarray<double> X = rng.randn(50, 12);
  // The labels: the class this network predicts (found here) for 31 of the 50 rows.
  NumpyANN probe_copy = net;
  naive_forward(probe_copy, X);
  const std::vector<int> predicted = probe::argmax_rows(probe_copy.a2);
  std::vector<std::size_t> labels, wrong;
  for (std::size_t r = 0; r < 50; ++r) {
    const auto p = static_cast<std::size_t>(predicted[r]);
    labels.push_back(r % 8 < 5 ? p : (p + 1 + r % 9) % 10);
    wrong.push_back((p + 1) % 10);
  }
  obs.scalar("accuracy", net.accuracy(X, one_hot(labels, 10)));
  obs.scalar("accuracy_none", net.accuracy(X, one_hot(wrong, 10)));
  obs.scalar("accuracy_one_row", net.accuracy(rows(X, 3, 4), one_hot({labels[3]}, 10)));
}

// ---- 1.10 the assignment's run ---------------------------------------------------------

void full_training(Observer& obs) {
  const Prepared d = prepared_split();
  // As numpy_ann_main.cpp: the manifest's hyper-parameters.
  namespace hyper = assignment::manifest::numpy_ann::hyperparameters;
  NumpyANN net(d.X_train.shape()[1], hyper::hidden_size, d.y_train.shape()[1], hyper::learning_rate);
  // Observed as soon as the network exists, before the long training: after a probe of
  // this part hung before observing anything, the grader gives later probes a start-up
  // deadline read from the reference's first observation (grader/src/grading.hpp); this
  // one would otherwise look like a hang for its whole training.
  obs.text("constructed", "yes");
  const double loss_before = mean_log_loss(net.predict(d.X_train), d.y_train);
  std::ostringstream printed;
  net.train(d.X_train, d.y_train, d.X_val, d.y_val, hyper::epochs, hyper::batch_size, printed);
  obs.labels("test_predictions", probe::argmax_rows(net.predict(d.X_test)));
  obs.labels("val_predictions", probe::argmax_rows(net.predict(d.X_val)));
  obs.array("train_loss_before_after",
            xarray<double>{loss_before, mean_log_loss(net.predict(d.X_train), d.y_train)});
  obs.text("progress", printed.str());
}

}  // namespace

std::vector<probe::Probe> probe::part_probes() {
  return {
      {"1.1.doc_example", constructor_doc_example},
      {"1.1.seeds", constructor_seeds},
      {"1.1.other_sizes", constructor_other_sizes},
      {"1.1.assignment_size", constructor_assignment_size},
      {"1.2.doc_example", relu_doc_example},
      {"1.2.random", relu_random},
      {"1.3.doc_example", relu_grad_doc_example},
      {"1.3.edges", relu_grad_edges},
      {"1.4.doc_example", cross_entropy_doc_example},
      {"1.4.random", cross_entropy_random},
      {"1.5.doc_example", forward_doc_example},
      {"1.5.not_training", forward_not_training},
      {"1.5.random", forward_random},
      {"1.5.large_logits", forward_large_logits},
      {"1.6.doc_example", backward_doc_example},
      {"1.6.update_order", backward_update_order},
      {"1.6.update_order_hidden", backward_update_order_hidden},
      {"1.6.several_steps", backward_several_steps},
      {"1.7.doc_example", train_doc_example},
      {"1.7.batches_10x4", train_batches_10x4},
      {"1.7.progress_every_10", train_progress_every_10},
      {"1.7.batch_boundaries", train_batch_boundaries},
      {"1.7.real_slice", train_real_slice},
      {"1.8.doc_example", predict_doc_example},
      {"1.8.random", predict_random},
      {"1.9.doc_example", accuracy_doc_example},
      {"1.9.ties", accuracy_ties},
      {"1.9.random", accuracy_random},
      {"1.10.full_training", full_training},
  };
}
