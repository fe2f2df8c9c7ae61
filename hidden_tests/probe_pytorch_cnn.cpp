// Part 3 probes (docs/assignment.md, "Part 3 — PyTorchCNN"): the student writes the constructor
// (3.1) and the judgement (3.3); train, predict and the plot are given. The probes observe
// the model the constructor builds (printout, names, shapes, seeded weights, outputs in
// eval and train mode), one cheap training step, and the assignment's full run (3.2, 3.3).
// Only the full run trains for real (minutes); every other probe stays under a second or
// two: forward passes on at most 4 random images, one epoch on 16.
#include <malloc.h>

#include <climits>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

#include <nnkit/autograd/node.hpp>
#include <nnkit/data/transforms.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

#include "assignment_manifest.hpp"
#include "model_fingerprint.hpp"
#include "probe.hpp"
#include "pytorch_cnn.hpp"
#include "train_val_metrics.hpp"

namespace {

using nnkit::Tensor;
using probe::Observer;

xt::xarray<double> vector_array(const std::vector<double>& values) {
  xt::xarray<double> a = xt::zeros<double>({values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return a;
}

xt::xarray<double> shape_array(const nnkit::Shape& shape) {
  return vector_array(std::vector<double>(shape.begin(), shape.end()));
}

/// The first `count` values of a tensor (all of them if it has fewer).
xt::xarray<double> head(const Tensor& t, std::int64_t count) {
  std::vector<double> values;
  for (std::int64_t i = 0; i < std::min(count, t.numel()); ++i) values.push_back(t.data()[i]);
  return vector_array(values);
}

xt::xarray<double> tail(const Tensor& t, std::int64_t count) {
  std::vector<double> values;
  for (std::int64_t i = std::max<std::int64_t>(0, t.numel() - count); i < t.numel(); ++i) {
    values.push_back(t.data()[i]);
  }
  return vector_array(values);
}

double sum_of(const Tensor& t) {
  double total = 0.0;
  for (std::int64_t i = 0; i < t.numel(); ++i) total += t.data()[i];
  return total;
}

/// Seeded parameters as the public test checks them: the first 50 and last 10 values and
/// the sum, for every parameter (the whole model has 422986 values).
void observe_seeded(Observer& obs, const PyTorchCNN& cnn, const std::string& prefix = "") {
  for (const auto& [name, tensor] : cnn.model.named_parameters()) {
    obs.array(prefix + name + ".head", head(tensor, 50));
    obs.array(prefix + name + ".tail", tail(tensor, 10));
    obs.scalar(prefix + name + ".sum", sum_of(tensor));
  }
}

void observe_metrics(Observer& obs, const scaffold::TrainValMetrics& m) {
  obs.array("train_losses", vector_array(m.train_losses));
  obs.array("train_accs", vector_array(m.train_accs));
  obs.array("val_losses", vector_array(m.val_losses));
  obs.array("val_accs", vector_array(m.val_accs));
}

std::vector<int> labels_of(const Tensor& predicted) {
  std::vector<int> labels;
  for (std::int64_t i = 0; i < predicted.numel(); ++i) {
    labels.push_back(static_cast<int>(predicted.data()[i]));
  }
  return labels;
}

/// uint8 images [N, 28, 28] -> float32 [N, 1, 28, 28] / 255, as pytorch_cnn_main.cpp.
Tensor images_tensor(const xt::xarray<std::uint8_t>& images) {
  const auto n = static_cast<std::int64_t>(images.shape()[0]);
  return Tensor(nnkit::data::normalize_pixels<float>(images)).reshape({n, 1, 28, 28});
}

Tensor labels_tensor(const xt::xarray<std::uint8_t>& labels) {
  return Tensor(nnkit::data::one_hot<float>(labels, 10));
}

std::vector<std::int64_t> range(std::int64_t start, std::int64_t stop) {
  std::vector<std::int64_t> index;
  for (std::int64_t i = start; i < stop; ++i) index.push_back(i);
  return index;
}

Tensor eval_logits(PyTorchCNN& cnn, const Tensor& x) {
  cnn.model.eval();
  nnkit::NoGradGuard no_grad;
  return cnn.forward(x);
}

// ---- 3.1 constructor: the doc examples ---------------------------------------------------

void model_printout(Observer& obs) {
  PyTorchCNN cnn;
  obs.scalar("num_classes", cnn.num_classes);
  obs.text("model", cnn.model.repr());
}

void model_parameters(Observer& obs) {
  PyTorchCNN cnn;
  std::string names;
  for (const auto& [name, tensor] : cnn.model.named_parameters()) {
    names += name + "\n";
    obs.array("shape." + name, shape_array(tensor.shape()));
  }
  obs.text("parameter_names", names);
  std::string buffers;
  for (const auto& [name, tensor] : cnn.model.named_buffers()) buffers += name + "\n";
  obs.text("buffer_names", buffers);
  obs.scalar("num_parameters", static_cast<double>(cnn.model.num_parameters()));
}

void seeded_weights(Observer& obs) {
  PyTorchCNN cnn;
  observe_seeded(obs, cnn);
}

void eval_forward(Observer& obs) {
  PyTorchCNN cnn;
  const Tensor x = nnkit::rand({2, 1, 28, 28});  // drawn right after the model's weights
  obs.array("logits", eval_logits(cnn, x));
  const Tensor predicted = cnn.predict(x);
  obs.labels("predict", labels_of(predicted));
}

void train_mode_forward(Observer& obs) {
  PyTorchCNN cnn;
  const Tensor x = nnkit::rand({4, 1, 28, 28});
  cnn.model.train();
  const Tensor logits = cnn.forward(x);  // four dropout masks, drawn in forward order
  obs.array("logits", logits);
  obs.scalar("requires_grad", logits.requires_grad() ? 1 : 0);
}

void num_classes_3(Observer& obs) {
  PyTorchCNN three(3);
  obs.scalar("num_classes", three.num_classes);
  obs.scalar("modules", static_cast<double>(three.model.size()));
  obs.text("model", three.model.repr());
  obs.scalar("last_out_features", three.model.at<nnkit::nn::Linear>(three.model.size() - 1).out_features);
}

// ---- 3.1 constructor: hidden probes ------------------------------------------------------

void seed_7(Observer& obs) {
  PyTorchCNN cnn(10, 7);
  observe_seeded(obs, cnn, "seed7.");
  // The constructor draws the initial weights and nothing else.
  obs.array("rand_after_constructor", nnkit::rand({4}));
}

void random_forward(Observer& obs) {
  PyTorchCNN cnn(5, 11);
  obs.scalar("num_classes", cnn.num_classes);
  const Tensor x = nnkit::rand({3, 1, 28, 28});
  obs.array("eval_logits", eval_logits(cnn, x));
  obs.labels("predict", labels_of(cnn.predict(x)));
  cnn.model.train();
  obs.array("train_logits", cnn.forward(x.index_select({0, 2})));
  const auto& buffers = cnn.model.named_buffers();
  for (const auto& [name, tensor] : buffers) {
    if (name == "3.running_mean" || name == "18.running_var") obs.array(name, tensor);
  }
}

void train_step(Observer& obs) {
  const auto& split = probe::assignment_split();
  const Tensor X_all = images_tensor(split.X_train), y_all = labels_tensor(split.y_train);
  const Tensor X_v = images_tensor(split.X_val), y_v = labels_tensor(split.y_val);
  const Tensor X = X_all.index_select(range(0, 16)), y = y_all.index_select(range(0, 16));
  const Tensor X_val = X_v.index_select(range(0, 8)), y_val = y_v.index_select(range(0, 8));
  PyTorchCNN cnn(10, 3);
  std::ostringstream printed;
  cnn.train(X, y, X_val, y_val, 1, 0.002, printed);
  observe_metrics(obs, cnn.train_val_metrics);
  for (const auto& [name, tensor] : cnn.model.named_parameters()) {
    if (name == "21.bias" || name == "23.bias" || name == "18.weight") obs.array(name, tensor);
  }
  for (const auto& [name, tensor] : cnn.model.named_buffers()) {
    if (name == "3.running_mean" || name == "8.running_var" || name == "18.num_batches_tracked") {
      obs.array(name, tensor);
    }
  }
}

// ---- 3.2 the assignment's run, 3.3 the judgement -------------------------------------------

/// What the run decides besides given code and data (probe/model_fingerprint.hpp): the
/// network and process as the constructor leaves them, and the class's own members.
std::string cnn_fingerprint(const PyTorchCNN& cnn, long threads_before) {
  return probe::model_fingerprint(cnn.model, threads_before) +
         fmt::format("num_classes {}\nmetrics {} {} {} {}\n", cnn.num_classes,
                     cnn.train_val_metrics.train_losses.size(), cnn.train_val_metrics.train_accs.size(),
                     cnn.train_val_metrics.val_losses.size(), cnn.train_val_metrics.val_accs.size());
}

/// What the student's code makes of a finished run: the plot (given code) and the
/// judgement (3.3). The same after the real run and after a replay.
void observe_after_training(Observer& obs, const PyTorchCNN& cnn) {
  // The plot is given code, but a failure (no gnuplot) must not hide the judgement.
  try {
    const auto png = cnn.plot_train_val_metrics(probe::out_dir());
    obs.file("plot", png.filename().string());
  } catch (const std::exception& error) {
    obs.text("plot_exception", error.what());
  }
  obs.text("judgement", cnn.report_my_judgement());
}

void full_training(Observer& obs) {
  // As pytorch_cnn_main.cpp: keep freed activations in the heap for the next epoch instead
  // of mmapping ~1.5 GB afresh (a sixth of the run); results are unchanged.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  const auto& split = probe::assignment_split();
  const Tensor X_train = images_tensor(split.X_train), y_train = labels_tensor(split.y_train);
  const Tensor X_val = images_tensor(split.X_val), y_val = labels_tensor(split.y_val);
  const Tensor X_test = images_tensor(split.X_test);
  const long threads_before = probe::threads_before_construction();
  PyTorchCNN cnn;
  // Observed as soon as the network exists, before the long training: after a probe of
  // this part hung before observing anything, the grader gives later probes a start-up
  // deadline read from the reference's first observation (grader/src/grading.hpp); this
  // one would otherwise look like a hang for its whole training.
  obs.text("constructed", "yes");
  obs.text("fingerprint", cnn_fingerprint(cnn, threads_before));
  std::ostringstream printed;
  cnn.train(X_train, y_train, X_val, y_val, assignment::manifest::pytorch_cnn::hyperparameters::epochs,
            assignment::manifest::pytorch_cnn::hyperparameters::learning_rate, printed);
  obs.labels("test_predictions", labels_of(cnn.predict(X_test)));
  observe_metrics(obs, cnn.train_val_metrics);
  obs.text("progress", printed.str());
  observe_after_training(obs, cnn);
}

// ---- replaying the reference's full run (docs/architecture.md) ------------------------------

/// The network as 3.2.full_training builds it, before training: the grader compares this
/// with the reference's "fingerprint" of the full run.
void full_training_fingerprint(Observer& obs) {
  const long threads_before = probe::threads_before_construction();
  PyTorchCNN cnn;
  obs.text("fingerprint", cnn_fingerprint(cnn, threads_before));
}

/// Run only when the fingerprint matched: the same network, given the reference's learning
/// curve (which this network's run would have produced, value for value) instead of
/// training; the student's code draws and judges it as after the real run.
void full_training_replay(Observer& obs) {
  const long threads_before = probe::threads_before_construction();
  PyTorchCNN cnn;
  obs.text("constructed", "yes");
  obs.text("fingerprint", cnn_fingerprint(cnn, threads_before));
  auto inputs = probe::replay_inputs();
  cnn.train_val_metrics.train_losses = inputs.at("train_losses");
  cnn.train_val_metrics.train_accs = inputs.at("train_accs");
  cnn.train_val_metrics.val_losses = inputs.at("val_losses");
  cnn.train_val_metrics.val_accs = inputs.at("val_accs");
  observe_after_training(obs, cnn);
}

void judgement_valid_word(Observer& obs) {
  PyTorchCNN cnn;
  // The scaffold's check, as the program runs it: throws unless the word is one of
  // the manifest's judgement words.
  scaffold::check_judgement(cnn.report_my_judgement());
  obs.text("check_judgement", "accepted");
}

}  // namespace

std::vector<probe::Probe> probe::part_probes() {
  return {
      {"3.1.model_printout", model_printout},
      {"3.1.parameters", model_parameters},
      {"3.1.seeded_weights", seeded_weights},
      {"3.1.eval_forward", eval_forward},
      {"3.1.train_mode_forward", train_mode_forward},
      {"3.1.num_classes", num_classes_3},
      {"3.1.seed_7", seed_7},
      {"3.1.random_forward", random_forward},
      {"3.1.train_step", train_step},
      {"3.2.full_training", full_training},
      {"3.2.full_training.fingerprint", full_training_fingerprint},
      {"3.2.full_training.replay", full_training_replay},
      {"3.3.valid_word", judgement_valid_word},
  };
}
