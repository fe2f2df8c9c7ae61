// The training programs' shared command line, data loading and verdicts.
#include "program.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
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
  // Explicit bounds: CLI11's PositiveNumber prints the type's maximum, 300 digits long.
  app.add_option("--epochs", options.epochs, "training epochs (the assignment's value by default)")
      ->check(CLI::Range(1, kMaxEpochs))
      ->capture_default_str();
  app.add_option("--threads", options.threads,
                 "worker threads (default: $OPENBLAS_NUM_THREADS, else every core); results do "
                 "not depend on it")
      ->check(CLI::Range(1, kMaxThreads));
  app.add_option("--data", options.data_dir, "folder with the four Fashion-MNIST .gz files")
      ->capture_default_str();
  app.add_option("--out", options.out_dir, "folder where plots are written (created if missing)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11's own codes (105 for a value out of range) would tell a script nothing: 0 for
    // --help, 2 for any mistake, as documented.
    std::exit(app.exit(error) == 0 ? 0 : 2);
  }
  // Before training, not after it: a bad --out would otherwise cost the whole run.
  if (const auto problem = out_dir_problem(options.out_dir)) {
    std::cerr << red(fmt::format("--out {}: {}", options.out_dir, *problem)) << "\n";
    std::exit(2);
  }
  if (options.threads > 0) nnkit::kernels::set_num_threads(options.threads);
  return options;
}

std::optional<std::string> out_dir_problem(const std::string& out_dir) {
  namespace fs = std::filesystem;
  const fs::path dir = out_dir.empty() ? fs::path(".") : fs::path(out_dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return "is not a folder (a file of that name exists); fix: pass --out a folder, or remove the file";
  }
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      return fmt::format("the folder cannot be created: {}; fix: pass --out a folder you can "
                         "write to", ec.message());
    }
  }
  // The only sure test of writing is to write: permissions, a read-only mount, a full disk.
  std::string probe = (dir / ".write-test-XXXXXX").string();
  const int fd = mkstemp(probe.data());
  if (fd < 0) {
    return fmt::format("cannot write into the folder: {}; fix: pass --out a folder you can write to",
                       std::strerror(errno));
  }
  close(fd);
  std::remove(probe.c_str());
  return std::nullopt;
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
