// LogisticRegression probes: each calls the student's LogisticRegression and observes what
// it returns or holds; the grader compares with the reference solution's observations
// (the manifest's judges). Inputs come from fixed seeds of nnkit's NumPy RandomState, so
// the reference and the student see the same numbers.
//
// The constructor is given, so every probe may use it. train calls predict_proba by its
// contract, so the 1.2 probes also see item 1.1's code.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

#include <nnkit/data/transforms.hpp>
#include <nnkit/random/numpy_random_state.hpp>

#include "assignment_manifest.hpp"
#include "logistic_regression.hpp"
#include "probe.hpp"

namespace {

using probe::Observer;
using xt::xarray;
using Rng = nnkit::numpy::RandomState;

/// One-hot rows [labels.size(), classes].
xarray<double> one_hot(const std::vector<std::size_t>& labels, std::size_t classes) {
  xarray<double> Y = xt::zeros<double>({labels.size(), classes});
  for (std::size_t r = 0; r < labels.size(); ++r) Y(r, labels[r]) = 1.0;
  return Y;
}

std::vector<std::size_t> random_labels(Rng& rng, std::size_t n, std::size_t classes) {
  std::vector<std::size_t> labels;
  for (std::size_t i = 0; i < n; ++i) {
    labels.push_back(static_cast<std::size_t>(rng.randint(static_cast<std::int64_t>(classes))));
  }
  return labels;
}

void observe_weights(Observer& obs, const LogisticRegression& model, const std::string& prefix) {
  obs.array(prefix + "W", model.W);
  obs.array(prefix + "b", model.b);
}

/// Mean −log p[label] over the rows of P [N, C] and one-hot Y, computed here.
double mean_log_loss(const xarray<double>& P, const xarray<double>& Y) {
  double total = 0.0;
  for (std::size_t i = 0; i < P.size(); ++i) {
    if (Y.data()[i] != 0.0) total -= Y.data()[i] * std::log(P.data()[i]);
  }
  return total / static_cast<double>(P.shape()[0]);
}

// ---- 1.1 predict_proba ----------------------------------------------------------------

void predict_proba_doc_example(Observer& obs) {
  LogisticRegression model(5, 3);
  obs.array("predict_proba",
            model.predict_proba(xarray<double>{{1.0, 2.0, 3.0, 4.0, 5.0}, {-1.0, 0.0, 1.0, 0.0, -1.0}}));
  model.b = xarray<double>{{1000.0, 1001.0, 1002.0}};
  obs.array("large_logits", model.predict_proba(xt::zeros<double>({std::size_t{1}, std::size_t{5}})));
}

void predict_proba_random(Observer& obs) {
  Rng rng(101);
  {  // other sizes and seeds, non-zero bias
    LogisticRegression model(12, 4, 123);
    model.W = model.W * 50.0;
    model.b = rng.randn(1, 4) * 0.5;
    obs.array("sizes_12_4", model.predict_proba(xarray<double>(rng.randn(9, 12))));
  }
  {  // one row, ten classes (NumPy's eight-way row sum)
    LogisticRegression model(3, 10, 2024);
    model.W = model.W * 100.0;
    obs.array("one_row_10_classes", model.predict_proba(xarray<double>(rng.rand(1, 3) * 5.0)));
  }
  {  // two classes; the assignment's input size
    LogisticRegression model(784, 2, 7);
    obs.array("sizes_784_2", model.predict_proba(xarray<double>(rng.rand(5, 784))));
  }
  {  // logits near +1000 and -1000: exp overflows or underflows without the row maximum
    LogisticRegression model(6, 5, 8);
    const xarray<double> X = rng.randn(4, 6);
    model.b = rng.randn(1, 5) + 1000.0;
    obs.array("logits_near_plus_1000", model.predict_proba(X));
    model.b = rng.randn(1, 5) - 1000.0;
    obs.array("logits_near_minus_1000", model.predict_proba(X));
    model.b = xarray<double>{{1000.0, -1000.0, 0.0, 999.0, -999.0}};
    obs.array("logits_far_apart", model.predict_proba(X));
  }
}

// ---- 1.2 train ------------------------------------------------------------------------

void train_doc_example(Observer& obs) {
  // The public set: RandomState(7).randn(6, 5), each row labelled by the largest of its
  // first three features.
  Rng rng(7);
  const xarray<double> X = rng.randn(6, 5);
  std::vector<std::size_t> labels;
  for (std::size_t r = 0; r < 6; ++r) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < 3; ++c) {
      if (X(r, c) > X(r, best)) best = c;
    }
    labels.push_back(best);
  }
  LogisticRegression model(5, 3);
  model.train(X, one_hot(labels, 3), 3, 0.1);
  observe_weights(obs, model, "");
}

void train_random(Observer& obs) {
  Rng rng(202);
  {  // another set, non-zero bias, more epochs and a larger step
    LogisticRegression model(8, 4, 3);
    model.b = rng.randn(1, 4) * 0.1;
    const xarray<double> X = rng.randn(20, 8);
    const xarray<double> Y = one_hot(random_labels(rng, 20, 4), 4);
    model.train(X, Y, 5, 0.5);
    observe_weights(obs, model, "n20_e5.");
    // Continuing on one sample with another lr; then 0 epochs change nothing.
    model.train(xarray<double>(rng.randn(1, 8)), one_hot({2}, 4), 2, 0.05);
    observe_weights(obs, model, "one_sample.");
    model.train(X, Y, 0, 0.5);
    observe_weights(obs, model, "zero_epochs.");
  }
  {  // ten classes, weights large enough that the softmax is far from uniform
    LogisticRegression model(30, 10, 9);
    model.W = model.W * 100.0;
    const xarray<double> X = rng.rand(50, 30);
    const xarray<double> Y = one_hot(random_labels(rng, 50, 10), 10);
    model.train(X, Y, 10, 1.0);
    observe_weights(obs, model, "n50_c10.");
  }
}

void full_training(Observer& obs) {
  namespace data = nnkit::data;
  namespace hyper = assignment::manifest::logistic_regression::hyperparameters;
  const auto& split = probe::assignment_split();
  const xarray<double> X_train = data::normalize_pixels<double>(data::flatten_images(split.X_train));
  const xarray<double> Y_train = data::one_hot<double>(split.y_train);
  // As logistic_regression_main.cpp: the manifest's hyper-parameters.
  LogisticRegression model(X_train.shape()[1], Y_train.shape()[1]);
  const double loss_before = mean_log_loss(model.predict_proba(X_train), Y_train);
  model.train(X_train, Y_train, static_cast<std::size_t>(hyper::epochs), hyper::learning_rate);
  const xarray<double> X_test = data::normalize_pixels<double>(data::flatten_images(split.X_test));
  obs.labels("test_predictions", probe::argmax_rows(model.predict_proba(X_test)));
  obs.array("train_loss_before_after",
            xarray<double>{loss_before, mean_log_loss(model.predict_proba(X_train), Y_train)});
}

}  // namespace

std::vector<probe::Probe> probe::part_probes() {
  return {
      {"1.1.doc_example", predict_proba_doc_example},
      {"1.1.random", predict_proba_random},
      {"1.2.doc_example", train_doc_example},
      {"1.2.random", train_random},
      {"1.2.full_training", full_training},
  };
}
