// The training programs' shared command line, data loading and verdicts.
#include "program.hpp"

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <nnkit/error.hpp>
#include <nnkit/kernels/gemm.hpp>

namespace scaffold {

ProgramOptions parse_program_options(int argc, char** argv, const std::string& description,
                                     int default_epochs) {
  ProgramOptions options;
  options.epochs = default_epochs;
  options.data_dir = nnkit::data::default_data_dir().string();
  CLI::App app{description};
  app.add_option("--epochs", options.epochs, "training epochs (the assignment's value by default)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", options.threads,
                 "worker threads (default: $OPENBLAS_NUM_THREADS, else every core); results do "
                 "not depend on it")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--data", options.data_dir, "folder with the four Fashion-MNIST .gz files")
      ->capture_default_str();
  app.add_option("--out", options.out_dir, "folder where plots are written")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error));
  }
  if (options.threads > 0) nnkit::kernels::set_num_threads(options.threads);
  return options;
}

AssignmentSplit load_split_or_exit(const ProgramOptions& options) {
  try {
    return make_assignment_split(nnkit::data::load_fashion_mnist(options.data_dir));
  } catch (const nnkit::Error& error) {
    std::cerr << red(fmt::format("Cannot load Fashion-MNIST: {}", error.what())) << "\n";
    std::exit(1);
  }
}

namespace {
bool colour() {
  static const bool on_terminal = isatty(STDOUT_FILENO) == 1;
  return on_terminal;
}
}  // namespace

std::string green(const std::string& text) {
  return colour() ? "\033[32m" + text + "\033[0m" : text;
}

std::string red(const std::string& text) {
  return colour() ? "\033[31m" + text + "\033[0m" : text;
}

int report_test_accuracy(double accuracy, double threshold, std::ostream& out) {
  const std::string line = fmt::format("Accuracy on test set: {:.5f}", accuracy);
  if (accuracy >= threshold) {
    out << green(line) << "\n";
    return 0;
  }
  out << red(fmt::format("{} (below the assignment's threshold {:.2f})", line, threshold)) << "\n";
  return 1;
}

bool run_doc_examples(const std::vector<DocExample>& examples, std::ostream& out) {
  for (const auto& example : examples) {
    std::optional<std::string> problem;
    try {
      problem = example.check();
    } catch (const std::exception& error) {
      problem = error.what();
    }
    if (problem) {
      out << red(fmt::format("Doc example failed: {}\n  {}\nFix it before training (the public "
                             "tests show every item).", example.name, *problem))
          << "\n";
      return false;
    }
  }
  out << green(fmt::format("All {} doc examples pass.", examples.size())) << "\n";
  return true;
}

}  // namespace scaffold
