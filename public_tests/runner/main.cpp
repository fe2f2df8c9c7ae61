// nnkit-public-tests: the public-test runner behind the archive's `make test`.
//
//   nnkit-public-tests [--part P]... [--item N] [--not-built P]... [--bin-dir D] [--manifest F]
//   nnkit-public-tests --fast           every item but the full training runs (make test FAST=1)
//   nnkit-public-tests --part-of N      the part item N belongs to
//
// Each item's public test case runs in a process of its own (the part's doctest binary,
// filtered with --test-case, its "nnkit_results" reporter writing records to a file), so a
// crash or a hang costs that item only, and is reported as such; the items and their points
// come from the manifest, so every part's total is fixed whatever ran. Test cases in a
// "one run: ..." test suite share one long training run and run in one process.
//
// Why a C++ program and not a script or CTest: students run it on Linux, macOS and WSL,
// where a script would need GNU `timeout` (macOS lacks it), bash 4 (macOS has 3.2) and
// fragile parsing of doctest's console output; CTest can isolate and time out each item
// but would hide the live progress of the long runs and still leave its output to be
// parsed. Here, fork/exec/poll give the deadline, the signal's name and live output, and
// the reporter's records give each failure's explanation without parsing anything.
//
// Exit status: 0 when every item run passed, 1 when one did not, 2 for a bad command line.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (fmt 11 moved it here)

#include "child_process.hpp"
#include "item_plan.hpp"
#include "item_report.hpp"
#include "records.hpp"
#include "result_channel.hpp"

namespace {

namespace fs = std::filesystem;
using namespace public_tests;

/// How many failed checks an item shows; `make test ITEM=<n>` shows all.
constexpr std::size_t kFailuresShown = 4;
/// How many notes (MESSAGEs, unscored WARNs) an item shows.
constexpr std::size_t kNotesShown = 12;
/// How many lines of a failed item's own output are shown.
constexpr std::size_t kOutputLinesShown = 15;

struct Options {
  fs::path manifest = NNKIT_PUBLIC_TESTS_MANIFEST;
  fs::path bin_dir;             ///< where test_<part> are; default: this program's folder (argv[0])
  std::string prefix;           ///< of the binaries' names (the kit's handout_)
  std::vector<std::string> parts, not_built;
  std::string item;
  double timeout_scale = 1.0;
  bool fast = false;            ///< skip the full training runs (the edit-test loop's FAST=1)
};

/// A temporary file for one process's records, removed when done.
struct RecordsFile {
  fs::path path;
  RecordsFile() {
    std::string name = (fs::temp_directory_path() / "nnkit-public-tests-XXXXXX").string();
    const int fd = ::mkstemp(name.data());
    if (fd < 0) throw std::runtime_error("cannot create a temporary file in " + fs::temp_directory_path().string());
    ::close(fd);
    path = name;
  }
  ~RecordsFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

/// doctest's --test-case value matching exactly these names (',' and '\' escaped).
std::string test_case_filter(const std::vector<std::string>& names) {
  std::string filter = "--test-case=";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) filter += ',';
    for (char c : names[i]) {
      if (c == ',' || c == '\\') filter += '\\';
      filter += c;
    }
  }
  return filter;
}

/// The environment of every run: the records' file, and the part's OpenBLAS threads unless
/// the student set them.
std::vector<std::pair<std::string, std::string>> child_env(const RecordsFile& records,
                                                           const PlannedPart& part) {
  std::vector<std::pair<std::string, std::string>> env = {{kResultsFileVariable, records.path.string()}};
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {
    env.emplace_back("OPENBLAS_NUM_THREADS", std::to_string(part.blas_threads));
  }
  return env;
}

/// Passes a child's output on as whole lines, each indented: the long runs' progress.
class LiveLines {
public:
  void operator()(const std::string& chunk) {
    partial_ += chunk;
    for (auto end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n')) {
      std::cout << "    | " << partial_.substr(0, end) << "\n" << std::flush;
      partial_.erase(0, end + 1);
    }
  }
  ~LiveLines() {
    if (!partial_.empty()) std::cout << "    | " << partial_ << "\n";
  }

private:
  std::string partial_;
};

/// The test cases of a part's binary, with their suites (--list-test-cases).
std::optional<std::vector<TestCaseRecord>> list_test_cases(const fs::path& binary,
                                                            const PlannedPart& part,
                                                            std::string& problem) {
  RecordsFile records;
  const auto outcome = run_child({binary.string(), "--list-test-cases",
                                  std::string("--reporters=") + kResultsReporter},
                                 child_env(records, part), 60);
  if (!outcome.started || outcome.signal != 0 || outcome.timed_out || outcome.exit_code != 0) {
    problem = outcome.output.empty() ? "it did not start" : last_lines(outcome.output, 5, "");
    return std::nullopt;
  }
  return read_records(records.path);
}

/// One process: the items it runs (several when they share a run), or the unscored
/// test cases of the given code.
struct Group {
  std::vector<const PlannedItem*> items;
  std::vector<std::string> given;   ///< test cases that are not items
  std::string suite;
  double timeout_s = 0.0;
  bool live = false;
};

struct Score {
  double earned = 0.0;
  bool all_passed = true;
  std::vector<std::string> skipped;  ///< items not run (FAST=1)
  double skipped_points = 0.0;
};

std::string points_text(double p) { return fmt::format("{:g}", p); }

/// Runs one group and prints a line per item (and its details); adds to `score`.
void run_group(const Group& group, const fs::path& binary, const PlannedPart& part,
               const Options& options, Score& score) {
  std::vector<std::string> names = group.given;
  for (const auto* item : group.items) names.push_back(item->title);
  const double timeout = group.timeout_s * options.timeout_scale;
  if (group.live) {
    std::string titles;
    for (const auto* item : group.items) titles += (titles.empty() ? "" : " and ") + item->number;
    std::cout << fmt::format("{} {}: a full training run{}, allowed {:g} s ...\n",
                             group.items.size() == 1 ? "item" : "items", titles,
                             group.items.size() == 1 ? "" : " shared by both, trained once", timeout)
              << std::flush;
  }
  RecordsFile records;
  LiveLines live;
  std::function<void(const std::string&)> on_output;
  if (group.live) on_output = std::ref(live);
  const auto outcome = run_child({binary.string(), std::string("--reporters=") + kResultsReporter,
                                  test_case_filter(names), "--order-by=file"},
                                 child_env(records, part), timeout, on_output);
  const auto recorded = read_records(records.path);
  const auto find = [&](const std::string& name) -> const TestCaseRecord* {
    for (const auto& r : recorded) {
      if (r.name == name) return &r;
    }
    return nullptr;
  };

  // Who was running when the process ended, and what ended it.
  std::string ended_by;
  if (outcome.timed_out) ended_by = fmt::format("timed out after {:g} s", timeout);
  else if (outcome.signal != 0) ended_by = "crashed: " + signal_name(outcome.signal);
  else if (!outcome.started) ended_by = "could not run: " + outcome.output;
  else ended_by = fmt::format("the test process ended with exit status {} in the middle of it "
                              "(does your code call exit()?)", outcome.exit_code);
  std::string first_stopped;
  const std::string hint = "make test ITEM=<number> shows every check";

  const auto report = [&](const std::string& name, const PlannedItem* item) {
    const TestCaseRecord* r = find(name);
    const std::string more = item ? fmt::format("make test ITEM={} shows every check", item->number) : hint;
    std::string verdict, details;
    bool passed = false;
    if (r != nullptr && r->ended) {
      passed = r->passed;
      verdict = passed ? "passed" : "FAILED";
      if (!passed) details = failure_details(*r, kFailuresShown, more);
      if (!passed || (item && item->long_run)) details += notes(*r, kNotesShown);
    } else if (r != nullptr && r->started) {
      first_stopped = name;
      verdict = outcome.timed_out || outcome.signal != 0
                    ? fmt::format("{} in {}{}", ended_by, item ? item->label : name,
                                  subcase_suffix(r->last_path))
                    : ended_by;
      if (outcome.signal != 0) details += "    " + signal_text(outcome.signal) + "\n";
      details += failure_details(*r, kFailuresShown, more);
    } else if (!first_stopped.empty()) {
      verdict = fmt::format("not run: the process it shares with {} stopped first", first_stopped);
    } else {
      verdict = outcome.started && !outcome.timed_out && outcome.signal == 0
                    ? "FAILED: its test case did not run (is the public test binary older than the manifest?)"
                    : ended_by;
    }
    if (!passed && !group.live && !outcome.output.empty()) {
      details += "    your code printed (last lines):\n" + last_lines(outcome.output, kOutputLinesShown, "    > ");
    }
    if (item) {
      // The line is exactly "<title>: passed" when it passed: course tools match it whole
      // (make classroom's workflow greps each item's line).
      std::cout << item->title << ": " << verdict << "\n";
      if (item->long_run && !outcome.timed_out) details = fmt::format("    took {:.0f} s\n", outcome.seconds) + details;
      if (passed) score.earned += item->points;
      else score.all_passed = false;
    } else if (!passed) {
      // a check of the code the handout gives: no points, but a changed given function
      // breaks the items that use it. It may also need the student's code (a constructor).
      const bool waits = r != nullptr && r->failures.empty() && !r->escapes.empty() &&
                         std::all_of(r->escapes.begin(), r->escapes.end(), [](const Escape& e) {
                           return e.text.rfind("not implemented", 0) == 0;
                         });
      std::cout << name << " (given code, no points): " << verdict << "\n"
                << (waits ? "    it needs your code first:\n"
                          : "    this checks code the handout gives you: if you changed it, restore it\n");
    }
    std::cout << details << std::flush;
  };
  for (const auto& name : group.given) report(name, nullptr);
  for (const auto* item : group.items) report(item->title, item);
}

/// Runs and reports one part; returns its score (its total is the manifest's).
Score run_part(const PlannedPart& part, const Options& options) {
  Score score;
  std::cout << fmt::format("== Part {}: {} ({} points)\n", part.number, part.name, points_text(part.points));
  const auto fail_all = [&](const std::string& verdict) {
    for (const auto& item : part.items) std::cout << item.title << ": " << verdict << "\n";
    score.all_passed = false;
  };
  const fs::path binary = options.bin_dir / (options.prefix + "test_" + part.name);
  if (std::find(options.not_built.begin(), options.not_built.end(), part.name) != options.not_built.end()) {
    fail_all("FAILED: the part does not compile (the compiler's errors are above)");
  } else if (!fs::exists(binary)) {
    fail_all("FAILED: its public tests are not built (" + binary.string() + " is missing)");
  } else {
    std::string problem;
    const auto listing = list_test_cases(binary, part, problem);
    if (!listing) {
      fail_all("FAILED: its public test binary cannot list its tests: " + problem);
    } else {
      std::vector<Group> groups;
      Group given;
      given.timeout_s = part.timeout_s;
      for (const auto& test_case : *listing) {
        const bool is_item = std::any_of(part.items.begin(), part.items.end(),
                                         [&](const PlannedItem& i) { return i.title == test_case.name; });
        if (!is_item) given.given.push_back(test_case.name);
      }
      for (const auto& item : part.items) {
        std::string suite;
        for (const auto& test_case : *listing) {
          if (test_case.name == item.title) suite = test_case.suite;
        }
        const bool shared = suite.rfind(kSharedRunSuitePrefix, 0) == 0;
        if (shared && !groups.empty() && groups.back().suite == suite) {
          groups.back().items.push_back(&item);
          groups.back().timeout_s = std::max(groups.back().timeout_s, item.timeout_s);
          groups.back().live = groups.back().live || item.long_run;
          continue;
        }
        Group g;
        g.items = {&item};
        g.suite = shared ? suite : "";
        g.timeout_s = item.timeout_s;
        g.live = item.long_run;
        groups.push_back(g);
      }
      // the given code's checks last: their failures must not read as the next item's
      if (!given.given.empty()) groups.push_back(given);
      for (const auto& g : groups) {
        if (options.fast && g.live) {
          for (const auto* item : g.items) {
            std::cout << item->title << ": skipped (FAST=1: a full training run; make test without FAST=1 runs it)\n";
            score.skipped.push_back(item->number);
            score.skipped_points += item->points;
          }
          continue;
        }
        run_group(g, binary, part, options, score);
      }
    }
  }
  std::cout << fmt::format("Part {} ({}): {} / {} points{}\n\n", part.number, part.name,
                           points_text(score.earned), points_text(part.points),
                           score.skipped.empty() ? "" : fmt::format(" ({} not run: FAST=1)",
                                                                    points_text(score.skipped_points)));
  return score;
}

/// `make test ITEM=<n>`: the item's test case with doctest's full output, then its line.
int run_one_item(const std::vector<PlannedPart>& plan, const Options& options) {
  for (const auto& part : plan) {
    for (const auto& item : part.items) {
      if (item.number != options.item) continue;
      if (std::find(options.not_built.begin(), options.not_built.end(), part.name) != options.not_built.end()) {
        std::cout << item.title << ": FAILED: the part does not compile (the compiler's errors are above)\n";
        return 1;
      }
      const fs::path binary = options.bin_dir / (options.prefix + "test_" + part.name);
      RecordsFile records;
      const double timeout = item.timeout_s * options.timeout_scale;
      const auto outcome = run_child(
          {binary.string(), std::string("--reporters=console,") + kResultsReporter,
           test_case_filter({item.title}), "--no-version"},
          child_env(records, part), timeout,
          [](const std::string& chunk) { std::cout << chunk << std::flush; });
      const auto recorded = read_records(records.path);
      const bool passed = !recorded.empty() && recorded.front().ended && recorded.front().passed;
      std::string verdict = passed ? "passed" : "FAILED";
      if (outcome.timed_out) verdict = fmt::format("timed out after {:g} s", timeout);
      else if (outcome.signal != 0) verdict = "crashed: " + signal_text(outcome.signal);
      else if (!outcome.started) verdict = "could not run: " + outcome.output;
      std::cout << "\n" << item.title << ": " << verdict << "\n";
      return passed ? 0 : 1;
    }
  }
  std::cerr << "nnkit-public-tests: there is no item " << options.item << " in " << options.manifest.string() << "; items:";
  for (const auto& part : plan) {
    for (const auto& item : part.items) std::cerr << " " << item.number;
  }
  std::cerr << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"nnkit-public-tests: runs the public tests, one process per item, and reports "
               "each item with its points"};
  app.add_option("--manifest", options.manifest, "the assignment's manifest");
  app.add_option("--bin-dir", options.bin_dir, "the folder of the test_<part> binaries (default: this program's)");
  app.add_option("--prefix", options.prefix, "prefix of the binaries' names");
  app.add_option("--part", options.parts, "run only these parts (default: all)")->delimiter(',');
  app.add_option("--item", options.item, "run one item with doctest's full output, e.g. 1.5");
  std::string part_of;
  app.add_option("--part-of", part_of, "print the part an item belongs to, e.g. 1.5, and exit");
  app.add_option("--not-built", options.not_built, "parts that did not compile: their items fail")->delimiter(',');
  app.add_flag("--fast", options.fast, "skip the full training runs (their items are reported as not run)");
  app.add_option("--timeout-scale", options.timeout_scale, "multiply every time limit (slow or emulated machines)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (options.bin_dir.empty()) options.bin_dir = fs::absolute(argv[0]).parent_path();

  std::vector<PlannedPart> plan;
  try {
    plan = read_plan(options.manifest);
  } catch (const std::exception& e) {
    std::cerr << "nnkit-public-tests: " << e.what() << "\n";
    return 2;
  }
  for (const auto& name : options.parts) {
    if (std::none_of(plan.begin(), plan.end(), [&](const PlannedPart& p) { return p.name == name; })) {
      std::cerr << "nnkit-public-tests: there is no part " << name << "\n";
      return 2;
    }
  }
  if (!part_of.empty()) {
    for (const auto& part : plan) {
      for (const auto& item : part.items) {
        if (item.number == part_of) {
          std::cout << part.name << "\n";
          return 0;
        }
      }
    }
    std::cerr << "nnkit-public-tests: there is no item " << part_of << " in " << options.manifest.string() << "\n";
    return 2;
  }
  if (!options.item.empty()) return run_one_item(plan, options);

  double earned = 0.0, total = 0.0, skipped_points = 0.0;
  std::vector<std::string> skipped;
  bool all_passed = true;
  std::string names;
  for (const auto& part : plan) {
    if (!options.parts.empty() &&
        std::find(options.parts.begin(), options.parts.end(), part.name) == options.parts.end()) {
      continue;
    }
    const Score score = run_part(part, options);
    earned += score.earned;
    total += part.points;
    all_passed = all_passed && score.all_passed;
    skipped.insert(skipped.end(), score.skipped.begin(), score.skipped.end());
    skipped_points += score.skipped_points;
    names += (names.empty() ? "" : ", ") + part.name;
  }
  const bool some = !options.parts.empty() && options.parts.size() < plan.size();
  std::cout << fmt::format("Public tests: {} / {}{} — the hidden tests check the same items on other inputs\n",
                           points_text(earned), points_text(total),
                           some ? fmt::format(" ({} only)", names) : "");
  if (!skipped.empty()) {
    std::cout << fmt::format("FAST=1: {} {} ({} points) not run; make test runs every item\n",
                             skipped.size() == 1 ? "item" : "items", fmt::join(skipped, ", "),
                             points_text(skipped_points));
  }
  return all_passed ? 0 : 1;
}
