// Part 2 probes (docs/assignment.md, "Part 2 — PyTorchANN"): each calls the student's
// PyTorchANN and observes what it returns or keeps; the grader compares with the reference
// solution's observations (the manifest's cases). Inputs come from nnkit's torch-identical
// generator with fixed seeds, so the reference and the student see the same numbers.
//
// Except in the 2.1 probes (and the doc examples and the full run, which mirror the public
// tests and the program), the model is built here — manual_seed, then Sequential(Linear,
// ReLU, Linear) — so forward, train, predict and plot are observed independently of the
// student's constructor (which only has to return).
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
#include <nnkit/nn/activation.hpp>
#include <nnkit/nn/linear.hpp>
#include <nnkit/nn/sequential.hpp>
#include <nnkit/random/generator.hpp>
#include <nnkit/tensor.hpp>

#include "assignment_manifest.hpp"
#include "probe.hpp"
#include "pytorch_ann.hpp"
#include "train_val_metrics.hpp"

namespace {

using nnkit::Tensor;
using probe::Observer;

/// torch's Sequential(Linear(in, hid), ReLU(), Linear(hid, out)) after manual_seed(seed).
nnkit::nn::Sequential reference_model(int in, int hid, int out, int seed) {
  nnkit::manual_seed(static_cast<std::uint64_t>(seed));
  return nnkit::nn::Sequential(nnkit::nn::Linear(in, hid), nnkit::nn::ReLU(),
                               nnkit::nn::Linear(hid, out));
}

/// A PyTorchANN whose fields and model are set here (see the file comment).
PyTorchANN network(int in, int hid, int out, int seed = 42) {
  PyTorchANN net(in, hid, out, seed);
  net.input_size = in;
  net.hidden_size = hid;
  net.output_size = out;
  net.seed = seed;
  net.model = reference_model(in, hid, out, seed);
  net.train_val_metrics = scaffold::TrainValMetrics{};
  return net;
}

xt::xarray<double> vector_array(const std::vector<double>& values) {
  xt::xarray<double> a = xt::zeros<double>({values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return a;
}

xt::xarray<double> shape_array(const nnkit::Shape& shape) {
  return vector_array(std::vector<double>(shape.begin(), shape.end()));
}

/// One-hot float32 [N, classes].
Tensor one_hot(const std::vector<std::int64_t>& classes, std::int64_t num_classes) {
  const auto n = static_cast<std::int64_t>(classes.size());
  Tensor y = Tensor::zeros({n, num_classes});
  for (std::int64_t i = 0; i < n; ++i) y.data()[i * num_classes + classes[i]] = 1.0f;
  return y;
}

/// The public tests' synthetic set: rand(n, features) from the current stream, labelled by
/// the largest of the first `classes` features.
struct Set {
  Tensor X, y;
};

Set synthetic_set(std::int64_t n, std::int64_t features, std::int64_t classes) {
  Set set{nnkit::rand({n, features}), Tensor()};
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = set.X.data() + i * features;
    labels.push_back(std::max_element(row, row + classes) - row);
  }
  set.y = one_hot(labels, classes);
  return set;
}

/// The public test's train_small data: manual_seed(7), 130 training and 30 validation rows.
struct SmallData {
  Set train, val;
};

SmallData small_data() {
  nnkit::manual_seed(7);
  SmallData data{synthetic_set(130, 8, 3), Set{}};
  data.val = synthetic_set(30, 8, 3);
  return data;
}

void observe_parameters(Observer& obs, const PyTorchANN& net, const std::string& prefix = "") {
  for (const auto& [name, tensor] : net.model.named_parameters()) obs.array(prefix + name, tensor);
}

void observe_metrics(Observer& obs, const scaffold::TrainValMetrics& m,
                     const std::string& prefix = "") {
  obs.array(prefix + "train_losses", vector_array(m.train_losses));
  obs.array(prefix + "train_accs", vector_array(m.train_accs));
  obs.array(prefix + "val_losses", vector_array(m.val_losses));
  obs.array(prefix + "val_accs", vector_array(m.val_accs));
}

/// Names, shapes and count of the model's parameters, and its printout.
void observe_architecture(Observer& obs, const PyTorchANN& net) {
  obs.text("model", net.model.repr());
  std::string names;
  for (const auto& [name, tensor] : net.model.named_parameters()) {
    names += name + "\n";
    obs.array("shape." + name, shape_array(tensor.shape()));
  }
  obs.text("parameter_names", names);
  obs.scalar("num_parameters", static_cast<double>(net.model.num_parameters()));
}

void observe_sizes(Observer& obs, const PyTorchANN& net) {
  obs.scalar("input_size", net.input_size);
  obs.scalar("hidden_size", net.hidden_size);
  obs.scalar("output_size", net.output_size);
  obs.scalar("seed", net.seed);
}

/// Predicted classes as observed: values, dtype, whether autograd recorded them.
void observe_prediction(Observer& obs, const std::string& key, const Tensor& predicted) {
  obs.array(key, predicted);
  obs.text(key + ".dtype", predicted.dtype() == nnkit::Dtype::Int64 ? "int64" : "float32");
}

/// The assignment's data, prepared as pytorch_ann_main.cpp prepares it (float32).
struct Prepared {
  Tensor X_train, y_train, X_val, y_val, X_test;
};

Prepared prepared_split() {
  namespace data = nnkit::data;
  const auto& split = probe::assignment_split();
  return {Tensor(data::normalize_pixels<float>(data::flatten_images(split.X_train))),
          Tensor(data::one_hot<float>(split.y_train)),
          Tensor(data::normalize_pixels<float>(data::flatten_images(split.X_val))),
          Tensor(data::one_hot<float>(split.y_val)),
          Tensor(data::normalize_pixels<float>(data::flatten_images(split.X_test)))};
}

std::vector<std::int64_t> range(std::int64_t start, std::int64_t stop) {
  std::vector<std::int64_t> index;
  for (std::int64_t i = start; i < stop; ++i) index.push_back(i);
  return index;
}

/// Class indices from predict's output (its elements, whatever its shape).
std::vector<int> labels_of(const Tensor& predicted) {
  std::vector<int> labels;
  for (std::int64_t i = 0; i < predicted.numel(); ++i) {
    labels.push_back(static_cast<int>(predicted.data()[i]));
  }
  return labels;
}

/// Metrics set by the probe (a plausible curve), so the plot probes need no train().
scaffold::TrainValMetrics made_up_metrics(int epochs) {
  scaffold::TrainValMetrics m;
  for (int e = 0; e < epochs; ++e) {
    m.train_losses.push_back(1.5 / (1.0 + 0.4 * e));
    m.val_losses.push_back(1.6 / (1.0 + 0.3 * e) + 0.01 * e);
    m.train_accs.push_back(0.5 + 0.45 * e / epochs);
    m.val_accs.push_back(0.45 + 0.35 * e / epochs);
  }
  return m;
}

// ---- 2.1 constructor -------------------------------------------------------------------

void constructor_doc_example(Observer& obs) {
  PyTorchANN net(20, 10, 10);
  observe_sizes(obs, net);
  observe_architecture(obs, net);
  obs.scalar("seed_of_PyTorchANN(4, 3, 2, 7)", PyTorchANN(4, 3, 2, 7).seed);
}

void constructor_seeds(Observer& obs) {
  for (int seed : {42, 7}) {
    PyTorchANN net(6, 4, 3, seed);
    observe_parameters(obs, net, fmt::format("seed{}.", seed));
  }
  // The constructor draws the initial weights and nothing else: rand() right after it
  // continues the stream where torch's does.
  PyTorchANN ann(5, 10, 3);
  obs.array("rand_after_constructor", nnkit::rand({5}));
}

void constructor_assignment_size(Observer& obs) {
  PyTorchANN net(784, 32, 10);
  observe_sizes(obs, net);
  observe_architecture(obs, net);
  // 0.weight has 25088 values: its first two rows, last row and sum tell a wrong draw.
  for (const auto& [name, tensor] : net.model.named_parameters()) {
    if (tensor.dim() == 2 && tensor.size(0) > 2 && tensor.numel() > 5000) {
      obs.array(name + ".rows_0_1", tensor.index_select({0, 1}));
      obs.array(name + ".last_row", tensor.index_select({tensor.size(0) - 1}));
      obs.scalar(name + ".sum", tensor.sum().item());
    } else {
      obs.array(name, tensor);
    }
  }
  obs.array("rand_after_constructor", nnkit::rand({3}));
}

void constructor_other_sizes(Observer& obs) {
  PyTorchANN net(3, 7, 2, 123);
  observe_sizes(obs, net);
  observe_architecture(obs, net);
  observe_parameters(obs, net);
  obs.array("rand_after_constructor", nnkit::rand({4}));
}

// ---- 2.2 forward -----------------------------------------------------------------------

void forward_doc_example(Observer& obs) {
  PyTorchANN net(5, 10, 3);
  const Tensor x = nnkit::rand({5});
  const Tensor y = net.forward(x);
  obs.array("out", y);
  obs.text("repr", nnkit::repr(y));
  obs.scalar("records_graph", y.grad_fn() != nullptr ? 1 : 0);
}

void forward_batch(Observer& obs) {
  PyTorchANN net = network(12, 9, 4, 3);
  const Tensor X = nnkit::randn({6, 12});
  const Tensor logits = net.forward(X);
  obs.array("logits", logits);
  obs.scalar("records_graph", logits.grad_fn() != nullptr ? 1 : 0);
  obs.array("single_sample", net.forward(X.index_select({2}).reshape({12})));
  PyTorchANN small = network(5, 10, 3);
  obs.array("logits_5_10_3", small.forward(nnkit::rand({4, 5})));
}

// ---- 2.3 train -------------------------------------------------------------------------

void train_doc_example(Observer& obs) {
  const SmallData data = small_data();
  PyTorchANN net = network(8, 16, 3);
  std::ostringstream printed;
  net.train(data.train.X, data.train.y, data.val.X, data.val.y, 20, 64, 0.5, printed);
  obs.text("progress", printed.str());
  observe_metrics(obs, net.train_val_metrics);
  observe_parameters(obs, net);
}

void train_batches(Observer& obs) {
  const SmallData data = small_data();
  PyTorchANN net = network(8, 16, 3);
  std::ostringstream printed;
  net.train(data.train.X, data.train.y, data.val.X, data.val.y, 2, 64, 0.5, printed);
  observe_parameters(obs, net);
}

void train_metrics_append(Observer& obs) {
  const SmallData data = small_data();
  PyTorchANN net = network(8, 16, 3);
  std::ostringstream printed;
  net.train(data.train.X, data.train.y, data.val.X, data.val.y, 3, 64, 0.5, printed);
  obs.text("progress_3_epochs", printed.str());
  observe_metrics(obs, net.train_val_metrics, "after_3.");
  net.train(data.train.X, data.train.y, data.val.X, data.val.y, 2, 64, 0.5, printed);
  observe_metrics(obs, net.train_val_metrics, "after_5.");
  bool trainable = true;
  for (const auto& p : net.model.parameters()) trainable = trainable && p.requires_grad() && p.is_leaf();
  obs.scalar("parameters_trainable_leaves", trainable ? 1 : 0);
}

void train_progress(Observer& obs) {
  const SmallData data = small_data();
  PyTorchANN net = network(8, 16, 3);
  std::ostringstream printed;
  net.train(data.train.X, data.train.y, data.val.X, data.val.y, 12, 64, 0.5, printed);
  obs.text("progress", printed.str());
}

void train_batch_boundaries(Observer& obs) {
  struct Case {
    const char* name;
    std::int64_t n, batch;
    int epochs;
  };
  // Not a multiple of the batch; a batch larger than the set; an exact multiple; batch 1.
  nnkit::manual_seed(11);
  for (const Case c : {Case{"n10_b4", 10, 4, 3}, Case{"n6_b10", 6, 10, 2},
                       Case{"n9_b3", 9, 3, 2}, Case{"n5_b1", 5, 1, 1}}) {
    const Set train = synthetic_set(c.n, 8, 3);
    const Set val = synthetic_set(5, 8, 3);
    const auto generator = nnkit::default_generator().get_state();
    PyTorchANN net = network(8, 6, 3, 5);
    std::ostringstream printed;
    net.train(train.X, train.y, val.X, val.y, c.epochs, static_cast<int>(c.batch), 0.7, printed);
    observe_parameters(obs, net, std::string(c.name) + ".");
    observe_metrics(obs, net.train_val_metrics, std::string(c.name) + ".");
    nnkit::default_generator().set_state(generator);  // the next set as if nothing seeded
  }
}

void train_real_slice(Observer& obs) {
  const Prepared d = prepared_split();
  // 256 training images in batches of 50 (the last one 6), 64 validation images.
  const Tensor X = d.X_train.index_select(range(0, 256)), y = d.y_train.index_select(range(0, 256));
  const Tensor X_val = d.X_val.index_select(range(0, 64)), y_val = d.y_val.index_select(range(0, 64));
  PyTorchANN net = network(784, 16, 10, 3);
  std::ostringstream printed;
  net.train(X, y, X_val, y_val, 10, 50, 0.1, printed);
  obs.text("progress", printed.str());
  observe_metrics(obs, net.train_val_metrics);
  for (const auto& [name, tensor] : net.model.named_parameters()) {
    if (name == "0.weight") {
      obs.array("0.weight.rows_0_1", tensor.index_select({0, 1}));
      obs.array("0.weight.row_sums", tensor.sum(1));
    } else {
      obs.array(name, tensor);
    }
  }
}

// ---- 2.4 predict -----------------------------------------------------------------------

void predict_doc_example(Observer& obs) {
  {
    PyTorchANN net(5, 10, 3);
    net.forward(nnkit::rand({5}));
    const Tensor predicted = net.predict(nnkit::rand({5, 5}));
    observe_prediction(obs, "after_forward", predicted);
    obs.text("after_forward.repr", nnkit::repr(predicted));
  }
  PyTorchANN fresh(5, 10, 3);
  const Tensor predicted = fresh.predict(nnkit::rand({5, 5}));
  observe_prediction(obs, "fresh", predicted);
  obs.text("fresh.repr", nnkit::repr(predicted));
}

void predict_random(Observer& obs) {
  PyTorchANN net = network(5, 10, 3);
  const Tensor X = nnkit::rand({40, 5}) * 40.0f - 20.0f;  // far apart: every class shows
  net.model.train();
  const Tensor predicted = net.predict(X);
  observe_prediction(obs, "predict", predicted);
  obs.array("predict.shape", shape_array(predicted.shape()));
  obs.scalar("predict.requires_grad", predicted.requires_grad() ? 1 : 0);
  obs.scalar("predict.has_grad_fn", predicted.grad_fn() != nullptr ? 1 : 0);
  obs.scalar("training_after_predict", net.model.is_training() ? 1 : 0);
  PyTorchANN images = network(784, 32, 10, 9);
  const Prepared d = prepared_split();
  observe_prediction(obs, "predict_images", images.predict(d.X_val.index_select(range(0, 20))));
}

// ---- 2.5 plot_train_val_metrics --------------------------------------------------------

void plot_doc_example(Observer& obs) {
  PyTorchANN net = network(8, 16, 3);
  net.train_val_metrics = made_up_metrics(6);
  // A folder that does not exist yet: plot_train_val_metrics creates it.
  net.plot_train_val_metrics((probe::out_dir() / "figures").string());
  obs.file("plot", "figures/pytorch_ann_train_val_metrics.png");
  observe_metrics(obs, net.train_val_metrics);
}

void plot_untrained(Observer& obs) {
  PyTorchANN trained = network(8, 16, 3);
  trained.train_val_metrics = made_up_metrics(4);
  trained.plot_train_val_metrics(probe::out_dir().string());
  obs.file("plot", "pytorch_ann_train_val_metrics.png");
  // Nothing trained yet: the call must fail (nnkit::Error), not draw empty axes.
  PyTorchANN untrained = network(8, 16, 3);
  bool threw = false;
  try {
    untrained.plot_train_val_metrics((probe::out_dir() / "untrained").string());
  } catch (const std::exception&) {
    threw = true;
  }
  obs.scalar("untrained_plot_throws", threw ? 1 : 0);
}

// ---- 2.6 the assignment's run, 2.5 its plot, 2.7 the judgement --------------------------

void full_training(Observer& obs) {
  const Prepared d = prepared_split();
  // As pytorch_ann_main.cpp: the manifest's hyper-parameters.
  namespace hyper = assignment::manifest::pytorch_ann::hyperparameters;
  PyTorchANN net(static_cast<int>(d.X_train.size(1)), hyper::hidden_size,
                 static_cast<int>(d.y_train.size(1)));
  // Observed as soon as the network exists, before the long training: after a probe of
  // this part hung before observing anything, the grader gives later probes a start-up
  // deadline read from the reference's first observation (grader/src/grading.hpp); this
  // one would otherwise look like a hang for its whole training.
  obs.text("constructed", "yes");
  std::ostringstream printed;
  net.train(d.X_train, d.y_train, d.X_val, d.y_val, hyper::epochs, hyper::batch_size,
            hyper::learning_rate, printed);
  obs.labels("test_predictions", labels_of(net.predict(d.X_test)));
  observe_metrics(obs, net.train_val_metrics);
  obs.text("progress", printed.str());
  // The plot's failure costs 2.5 only: the judgement below is still observed.
  try {
    net.plot_train_val_metrics(probe::out_dir().string());
    obs.file("plot", "pytorch_ann_train_val_metrics.png");
  } catch (const std::exception& error) {
    obs.text("plot_exception", error.what());
  }
  obs.text("judgement", net.report_my_judgement());
}

void judgement_valid_word(Observer& obs) {
  PyTorchANN net(784, 32, 10);
  // The scaffold's check (as the program runs it): throws, naming the word, unless it is
  // one of the manifest's judgement words.
  scaffold::check_judgement(net.report_my_judgement());
  obs.text("check_judgement", "accepted");
}

}  // namespace

std::vector<probe::Probe> probe::part_probes() {
  return {
      {"2.1.doc_example", constructor_doc_example},
      {"2.1.seeds", constructor_seeds},
      {"2.1.assignment_size", constructor_assignment_size},
      {"2.1.other_sizes", constructor_other_sizes},
      {"2.2.doc_example", forward_doc_example},
      {"2.2.batch", forward_batch},
      {"2.3.doc_example", train_doc_example},
      {"2.3.batches", train_batches},
      {"2.3.metrics_append", train_metrics_append},
      {"2.3.progress", train_progress},
      {"2.3.batch_boundaries", train_batch_boundaries},
      {"2.3.real_slice", train_real_slice},
      {"2.4.doc_example", predict_doc_example},
      {"2.4.random", predict_random},
      {"2.5.doc_example", plot_doc_example},
      {"2.5.untrained", plot_untrained},
      {"2.6.full_training", full_training},
      {"2.7.valid_word", judgement_valid_word},
  };
}
