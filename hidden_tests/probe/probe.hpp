#pragma once
/// The probe runtime: what a graded test process is made of (docs/architecture.md, steps
/// 3 and 4). A probe binary is one part's case functions (hidden_tests/probe_<part>.cpp)
/// linked with the student's file for that part; the grader runs it once per probe inside
/// the sandbox as
///
///     probe_<part> PROBE_ID          (or `probe_<part> --list`)
///
/// and the probe *reports what it observed* — values, shapes, predicted labels, the
/// judgement string, files it wrote — on a channel the grader reads (file descriptor
/// $NNKIT_PROBE_FD, 3 by default), one JSON object per line. It never decides pass or
/// fail: the grader compares the observations, outside the sandbox, with the reference
/// solution's observations for the same probe or with the manifest's thresholds
/// (assignment/manifest.json). So nothing the student's code prints or writes can raise
/// its score (invariant I1), and no expected value is ever inside the sandbox (I2).
///
/// Channel lines (see grader/src/observations.cpp for the reader):
///   {"key": K, "kind": "array", "shape": [..], "data": [..]}   numbers; "nan", "inf",
///                                                              "-inf" as strings
///   {"key": K, "kind": "text", "text": "..."}
///   {"key": K, "kind": "labels", "data": [..]}                 class indices
///   {"key": K, "kind": "file", "path": "name.png"}             a file under $NNKIT_PROBE_OUT
/// An exception escaping the probe is reported as the text observation "exception" (its
/// what()) and exit status 1. The grader's reader (not this runtime) rejects a key
/// reported twice: it never has to guess which of two values counts, and student code
/// writing to the channel can only spoil its own probe.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xarray.hpp>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/tensor.hpp>

namespace probe {

/// Writes observations to the grader's channel. Keys are unique within a probe.
class Observer {
 public:
  explicit Observer(int fd);

  /// Any numeric array (its shape is recorded; a scalar is shape []).
  void array(std::string_view key, const xt::xarray<double>& values);
  void array(std::string_view key, const nnkit::Tensor& tensor);
  void scalar(std::string_view key, double value);
  void text(std::string_view key, std::string_view text);
  void labels(std::string_view key, const std::vector<int>& labels);
  /// A file the probe wrote into out_dir(); `name` is relative to it.
  void file(std::string_view key, std::string_view name);

 private:
  void write_line(const std::string& line);
  int fd_;
};

/// One probe: an id (e.g. "1.6.update_order") and what it runs.
struct Probe {
  std::string id;
  std::function<void(Observer&)> run;
};

/// The probes of one part; defined in hidden_tests/probe_<part>.cpp.
std::vector<Probe> part_probes();

/// Where a probe may write files (the grader's per-probe folder, $NNKIT_PROBE_OUT).
std::filesystem::path out_dir();

/// The assignment's split as the grader prepared it in $NNKIT_PROBE_DATA (X_train,
/// y_train, X_val, y_val, X_test as IDX files; the test labels are never there).
/// y_test stays empty.
const nnkit::data::TrainValTestSplit& assignment_split();

/// The arrays the grader hands a replay probe (docs/architecture.md, "Replaying the
/// reference's run"): the reference's observations the manifest's replay lists as its
/// inputs, by key, read from $NNKIT_PROBE_OUT/replay_inputs.json. The grader writes that
/// file only after the submission's fingerprint probe matched the reference's, so nothing
/// of the reference's reaches a submission that builds another network. Throws
/// std::runtime_error when the file is missing or not an object of number arrays.
std::map<std::string, std::vector<double>> replay_inputs();

/// argmax over the last axis of an [N, C] array or tensor, as class indices.
std::vector<int> argmax_rows(const xt::xarray<double>& scores);
std::vector<int> argmax_rows(const nnkit::Tensor& scores);

}  // namespace probe
