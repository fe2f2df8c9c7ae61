#pragma once
/// What the three training programs share (given scaffold, not student work): the
/// command line (--epochs, --threads, --data, --out, --help), loading the assignment's
/// split, coloured verdicts, and the doc-example gate that runs before training.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "assignment_split.hpp"

namespace scaffold {

/// Bounds of --epochs and --threads: far above any sensible run, so they only catch typos.
inline constexpr int kMaxEpochs = 100000;
inline constexpr int kMaxThreads = 256;

/// The flags every program takes.
struct ProgramOptions {
  int epochs = 0;
  int threads = 0;          ///< nnkit worker threads; 0: $OPENBLAS_NUM_THREADS or every core
  std::string data_dir;     ///< the four Fashion-MNIST .gz files ($FMNIST_DIR by default)
  std::string out_dir = ".";///< where plots go
};

/// Parses the flags; `--help` prints usage and exits 0, a bad flag exits 2 with CLI11's
/// message. Checks that --out is a folder it can write into, creating it when missing, and
/// exits 2 saying why when it is not (before any training). Sets OpenBLAS's thread count
/// when --threads is given.
ProgramOptions parse_program_options(int argc, char** argv, const std::string& description,
                                     int default_epochs);

/// Why plots cannot be written into `out_dir` ("is not a folder ..."), or nothing; creates
/// the folder when it is missing.
std::optional<std::string> out_dir_problem(const std::string& out_dir);

/// The assignment's split from options.data_dir; on a data error prints it in red and
/// exits 1 (the message names the file and how to fix it).
AssignmentSplit load_split_or_exit(const ProgramOptions& options);

/// ANSI colours, only when standard output is a terminal (captured output stays plain).
std::string green(const std::string& text);
std::string red(const std::string& text);

/// Prints `Accuracy on test set: 0.86000` green when accuracy >= threshold, red otherwise;
/// returns the program's exit status (0 or 1).
int report_test_accuracy(double accuracy, double threshold, std::ostream& out);

/// A documented example: `check` returns a description of the mismatch, or nothing.
struct DocExample {
  std::string name;
  std::function<std::optional<std::string>()> check;
};

/// Runs every example in order; at the first failure (a mismatch or an exception, such as
/// a stub's "not implemented") prints it in red, naming the example, and returns false.
bool run_doc_examples(const std::vector<DocExample>& examples, std::ostream& out);

}  // namespace scaffold
