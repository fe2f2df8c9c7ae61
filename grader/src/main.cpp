// nnkit-grade: grades submissions of an nnkit assignment (docs/architecture.md, "The
// grader"). What the assignment is — its parts, items, thresholds — comes from the kit's
// manifest, never from this program.
//
//   nnkit-grade grade DIR [--suite public|hidden|all] [--results FILE] [--junit FILE]
//                         [--format table|json|md] [--log FILE] [--budget SECONDS]
//   nnkit-grade batch DIR --out OUTDIR [--jobs N] [--suite ...] [--items ...] [--force]
//   nnkit-grade validate
//   nnkit-grade files         the files a submission hands in, one per line
//
// Exit status: 0 whenever grading completed, whatever the score; 1 when `validate` finds
// the kit wrong or a batch has submissions whose grading could not complete; 2 for a bad
// command line; 3 when the grader itself cannot work (no kit, no bubblewrap, no data).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nnkit/data/fashion_mnist.hpp>
#include <nnkit/error.hpp>

#include "batch.hpp"
#include "error.hpp"
#include "grading.hpp"
#include "grading_budget.hpp"
#include "kit.hpp"
#include "prepared_data.hpp"
#include "probe_run.hpp"
#include "reference.hpp"
#include "report.hpp"
#include "rubric.hpp"
#include "sandbox.hpp"

namespace {

namespace fs = std::filesystem;
using namespace grader;

struct CommonOptions {
  fs::path kit_dir = default_kit_dir();
  fs::path cache_dir;             ///< default: <kit>/cache
  fs::path data_dir;              ///< default: nnkit's (FMNIST_DIR or Debian's)
  int threads = 0;                ///< OpenBLAS's and nnkit's threads in probes; 0: all cores
  bool quiet = false;
  bool no_replay = false;         ///< run every long probe in full (GradeOptions::replay)
  std::string sandbox;            ///< auto | bubblewrap | fallback; "": $NNKIT_SANDBOX, else auto
};

void add_common(CLI::App& app, CommonOptions& o) {
  app.add_option("--kit", o.kit_dir, "the staged grader kit (default: the one built with this binary)");
  app.add_option("--cache", o.cache_dir, "cache folder (default: KIT/cache)");
  app.add_option("--data", o.data_dir,
                 "Fashion-MNIST folder, or a split `export-split` wrote (default: $FMNIST_DIR or Debian's)");
  // The range keeps each probe's threads under its sandbox's process limit (probe_run.hpp).
  app.add_option("--threads", o.threads,
                 fmt::format("threads per probe, OpenBLAS's and nnkit's workers, 1 to {} "
                             "(default: {}, this machine's CPU quota or CPUs)",
                             max_probe_threads(), default_probe_threads()))
      ->check(CLI::Validator(probe_threads_problem, "1.." + std::to_string(max_probe_threads())));
  app.add_flag("--quiet", o.quiet, "no progress lines on stderr");
  app.add_flag("--no-replay", o.no_replay,
               "run every long probe in full, even where the submission builds the reference's "
               "network and the reference's run could be replayed");
  app.add_option("--sandbox", o.sandbox,
                 "auto, bubblewrap or fallback: the sandbox that runs compiles and probes "
                 "(default: $NNKIT_SANDBOX, else auto: bubblewrap when it can start here, else "
                 "the fallback, which needs no namespaces; docs/architecture.md)")
      ->check(CLI::Validator(sandbox_kind_problem, "auto|bubblewrap|fallback"));
}

/// Everything a grading needs that does not depend on the submission.
struct Setup {
  Kit kit;
  Rubric rubric;
  PreparedData data;
  ReferenceStore reference;
  GradeOptions options;
};

/// The "part/probe" keys the cases selected by `suite` and `items` read.
std::set<std::string> probes_needed(const Rubric& rubric, const std::string& suite,
                                    const std::vector<std::string>& items) {
  GradeOptions selection;
  selection.suite = suite;
  selection.items = items;
  std::set<std::string> keys;
  for (const auto& item : rubric.items) {
    for (const auto& c : item.cases) {
      if (selected(item, c, selection)) keys.insert(item.part + "/" + c.probe);
    }
  }
  return keys;
}

/// A mistake in the command line found after parsing: exit status 2, as CLI11's own.
struct UsageError : Error {
  using Error::Error;
};

/// Throws UsageError naming the first of `items` the rubric does not have.
void require_known_items(const Rubric& rubric, const std::vector<std::string>& items) {
  for (const auto& number : items) {
    const bool known = std::any_of(rubric.items.begin(), rubric.items.end(),
                                   [&](const Item& item) { return item.number == number; });
    if (!known) throw UsageError(fmt::format("--items: there is no item {} in the rubric", number));
  }
}

Setup set_up(const CommonOptions& o, const std::string& suite = "all",
             const std::vector<std::string>& items = {}) {
  Setup s{load_kit(o.kit_dir), {}, {}, {}, {}};
  s.rubric = load_rubric(s.kit.manifest);
  require_known_items(s.rubric, items);  // before any reference is computed
  s.options.cache_dir = o.cache_dir.empty() ? s.kit.root / "cache" : o.cache_dir;
  s.options.threads = o.threads > 0 ? o.threads : default_probe_threads();
  s.options.progress = !o.quiet;
  s.options.replay = !o.no_replay;
  const fs::path data_dir = o.data_dir.empty() ? nnkit::data::default_data_dir() : o.data_dir;
  // The cache (reference observations, solution builds) and the dataset (the held-out
  // labels) stay hidden even where a sandbox sees their folder (under /usr or /etc). A new
  // cache is made closed to other users (700): the fallback sandbox, which cannot cover
  // it, needs it so.
  if (std::error_code ec; !fs::exists(s.options.cache_dir, ec)) {
    fs::create_directories(s.options.cache_dir);
    fs::permissions(s.options.cache_dir, fs::perms::owner_all);
  }
  hide_from_sandbox(s.options.cache_dir);
  hide_from_sandbox(data_dir);
  check_sandbox_ready();  // the fallback: every one of them closed to the sandbox's uid
  s.data = prepare_data(data_dir, s.rubric.split, s.options.cache_dir);
  ProbeSettings settings{s.data.dir, 60, s.options.threads, pinned_blas_env(s.rubric.blas_pinning)};
  s.reference = load_or_compute_reference(s.kit, s.rubric, probes_needed(s.rubric, suite, items),
                                          s.data.checksum, s.options.cache_dir, settings, !o.quiet);
  return s;
}

GradeReport grade_folder(Setup& s, const fs::path& folder, const std::string& suite,
                         const std::vector<std::string>& items = {}) {
  s.options.suite = suite;
  s.options.items = items;
  s.options.work_dir = s.options.cache_dir / "work" / fmt::format("{}", getpid());
  GradeReport report = grade_submission(s.kit, s.rubric, s.reference, s.data, folder, s.options);
  std::error_code ec;
  fs::remove_all(s.options.work_dir, ec);
  return report;
}

/// The budget of `grade`: --budget when given, else $NNKIT_GRADE_BUDGET, else none;
/// counted from `started` (nnkit-grade's start: the platform's clock runs from before it).
GradingBudget grading_budget(const std::string& option, GradingBudget::Clock::time_point started) {
  if (!option.empty()) return GradingBudget(std::stod(option), started);   // checked by CLI11
  try {
    return GradingBudget(budget_from_environment().value_or(0), started);
  } catch (const grader::Error& e) {
    throw UsageError(e.what());
  }
}

/// --sandbox, else $NNKIT_SANDBOX, else auto; a bad $NNKIT_SANDBOX is a usage error.
void choose_sandbox_from(const CommonOptions& o) {
  std::string value = o.sandbox;
  const char* variable = std::getenv("NNKIT_SANDBOX");
  if (value.empty() && variable != nullptr && *variable != '\0') {
    value = variable;
    if (const std::string problem = sandbox_kind_problem(value); !problem.empty()) {
      throw UsageError("$NNKIT_SANDBOX: " + problem);
    }
  }
  choose_sandbox(value.empty() ? SandboxKind::Auto : sandbox_kind_named(value));
}

int command_grade(const CommonOptions& o, const fs::path& folder, const std::string& suite,
                  const std::vector<std::string>& items, const fs::path& results,
                  const fs::path& junit, const std::string& format, const fs::path& log,
                  const GradingBudget& budget) {
  if (!fs::is_directory(folder)) {
    std::cerr << fmt::format("nnkit-grade: {} is not a folder; a submission is a folder with {}\n",
                             folder.string(), load_rubric(load_kit(o.kit_dir).manifest).files_sentence());
    return 2;
  }
  Setup s = set_up(o, suite, items);
  s.options.budget = budget;
  // Each checkpoint replaces the files whole (a temporary file, then a rename): a grading
  // killed at any moment leaves the last complete one, never half a file.
  s.options.checkpoint = [&](const GradeReport& partial) {
    if (!results.empty()) write_file_atomically(results, json_text(gradescope_results(partial)));
    if (!junit.empty()) write_file_atomically(junit, junit_xml(partial));
  };
  const GradeReport report = grade_folder(s, folder, suite, items);
  if (!results.empty()) write_file_atomically(results, json_text(gradescope_results(report)));
  if (!junit.empty()) write_file_atomically(junit, junit_xml(report));
  // What students must not read (a hidden probe's exception and output) goes to the
  // instructor's log only: --log FILE, else stderr.
  if (!log.empty()) write_file_atomically(log, instructor_log(report));
  else std::cerr << instructor_log(report);
  if (format == "json") {
    std::cout << json_text(gradescope_results(report));
  } else {
    std::cout << summary_text(report) << "\n" << score_table(report, format == "md");
  }
  return 0;
}

/// For each part whose training ran: how far the reference's test accuracy is above the
/// manifest's threshold, as a difference and in test images. False when one is below: a
/// kernel, compiler or summation-order change moved the reference under the threshold.
bool print_margins(const GradeReport& solution) {
  bool above = true;
  for (const auto& part : solution.test_accuracy) {
    const double margin = part.accuracy - part.threshold;
    // accuracies are k / N: round away the representation error of the difference
    const long images = std::lround(std::floor(margin * part.test_images + 1e-6));
    std::cout << fmt::format("validate: margin {}: test accuracy {:.5f} - threshold {:g} = {:+.5f}, "
                             "{} of {} test images{}\n",
                             part.part, part.accuracy, part.threshold, margin, images,
                             part.test_images,
                             margin < 0 ? " — BELOW THE THRESHOLD: the reference fails its own "
                                          "item (docs/numerics.md)"
                                        : "");
    above = above && margin >= 0;
  }
  return above;
}

/// Prints the files a submission hands in, one per line (run_autograder looks for them).
int command_files(const CommonOptions& o) {
  for (const auto& part : load_rubric(load_kit(o.kit_dir).manifest).parts) std::cout << part.file << "\n";
  return 0;
}

/// Writes the manifest's split of the dataset (--data) into `out_dir` (export_split): the
/// data the Gradescope zip carries instead of the dataset package.
int command_export_split(const CommonOptions& o, const fs::path& out_dir) {
  const fs::path data_dir = o.data_dir.empty() ? nnkit::data::default_data_dir() : o.data_dir;
  if (is_exported_split(data_dir)) {
    throw UsageError(fmt::format("--data {} is an exported split already; give the folder of the "
                                 "four Fashion-MNIST .gz files", data_dir.string()));
  }
  export_split(data_dir, load_rubric(load_kit(o.kit_dir).manifest).split, out_dir);
  if (!o.quiet) std::cerr << "export-split: wrote the split of " << data_dir.string() << " into " << out_dir.string() << "\n";
  return 0;
}

/// The solution must score every point and the blank handout none of a student item's.
int command_validate(const CommonOptions& o) {
  Setup s = set_up(o);
  bool ok = true;
  const GradeReport solution = grade_folder(s, s.kit.solution_dir, "all");
  std::cout << "Reference solution (" << s.kit.solution_dir.filename().string() << "/):\n"
            << score_table(solution, false) << "\n";
  for (const auto& r : solution.cases) {
    if (!r.passed) {
      ok = false;
      std::cout << fmt::format("validate: the solution fails {}: {}\n", r.c->id, r.message);
    }
  }
  const GradeReport blank = grade_folder(s, s.kit.handout_dir, "all");
  std::cout << "Blank handout (" << s.kit.handout_dir.filename().string() << "/):\n"
            << score_table(blank, false) << "\n";
  for (const auto& r : blank.cases) {
    if (r.passed) {
      ok = false;
      std::cout << fmt::format("validate: the blank handout earns {} on {}: {}\n", r.score, r.c->id,
                               r.message);
    }
  }
  // The reference solution's long runs must replay: else every correct submission would
  // pay for the full run, and the budget an instructor sets would not hold.
  for (const auto& line : solution.instructor_log) {
    if (s.options.replay && line.find("runs in full, no replay") != std::string::npos) {
      ok = false;
      std::cout << fmt::format("validate: the solution's run is not replayed: {}\n", line);
    }
  }
  ok = print_margins(solution) && ok;
  for (const char* suite : {"public", "hidden"}) {
    double sol = 0, max = 0, empty = 0;
    for (const auto& r : solution.cases) if (suite_name(r.c->suite) == suite) { sol += r.score; max += r.c->points; }
    for (const auto& r : blank.cases) if (suite_name(r.c->suite) == suite) empty += r.score;
    std::cout << fmt::format("validate: {} suite: solution {:g} / {:g}, blank handout {:g}\n", suite, sol,
                             max, empty);
  }
  std::cout << fmt::format("validate: {} (solution {:g} / {:g}, blank handout {:g})\n",
                           ok ? "the kit is sound" : "THE KIT IS WRONG", solution.score,
                           s.rubric.total_points, blank.score);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = GradingBudget::Clock::now();
  CLI::App app{"nnkit-grade: sandboxed grading of an nnkit assignment (its kit's manifest says which)"};
  app.require_subcommand(1);
  CommonOptions common;

  auto* grade = app.add_subcommand("grade", "grade one submission folder");
  fs::path folder, results, junit;
  std::string suite = "all", format = "table";
  std::vector<std::string> items;
  grade->add_option("DIR", folder, "a submission: a folder with the files `nnkit-grade files` lists")->required();
  grade->add_option("--suite", suite, "public, hidden or all")->check(CLI::IsMember({"public", "hidden", "all"}));
  grade->add_option("--items", items, "grade only these items, e.g. --items 1.2,1.3 (default: all)")
      ->delimiter(',');
  grade->add_option("--results", results, "write Gradescope's results.json here");
  grade->add_option("--junit", junit, "write JUnit XML here");
  grade->add_option("--format", format, "table, json or md")->check(CLI::IsMember({"table", "json", "md"}));
  fs::path log;
  grade->add_option("--log", log, "write the instructor's log here instead of stderr (never for students)");
  std::string budget;
  grade->add_option("--budget", budget,
                    fmt::format("seconds the whole grading may take, 1 to {:g}, 0 for none (default: "
                                "$NNKIT_GRADE_BUDGET, else none); cases not reached score 0, \"not run\"",
                                kMaxBudgetSeconds))
      ->check(CLI::Validator(budget_problem, "SECONDS"));
  add_common(*grade, common);

  auto* batch = app.add_subcommand("batch", "grade every submission folder in DIR");
  BatchOptions batch_options;
  batch->add_option("DIR", batch_options.submissions, "a folder of submission folders")->required();
  batch->add_option("--out", batch_options.out_dir, "where results, gradebook.csv and histogram.png go")->required();
  batch->add_option("--jobs", batch_options.jobs, "submissions graded at once")->check(CLI::Range(1, 64));
  batch->add_option("--suite", batch_options.suite, "public, hidden or all")->check(CLI::IsMember({"public", "hidden", "all"}));
  std::vector<std::string> batch_items;
  batch->add_option("--items", batch_items, "grade only these items in every submission")->delimiter(',');
  batch->add_flag("--force", batch_options.force,
                  "grade every submission again, even those already graded under the same key");
  add_common(*batch, common);

  auto* validate = app.add_subcommand("validate", "the solution scores everything, the blank handout nothing");
  add_common(*validate, common);

  auto* export_split_command = app.add_subcommand(
      "export-split", "write the manifest's split of the dataset into OUT as IDX files (for the Gradescope zip)");
  fs::path split_dir;
  export_split_command->add_option("OUT", split_dir, "the folder to write")->required();
  export_split_command->add_option("--kit", common.kit_dir, "the staged grader kit (default: the one built with this binary)");
  export_split_command->add_option("--data", common.data_dir, "Fashion-MNIST folder (default: $FMNIST_DIR or Debian's)");
  export_split_command->add_flag("--quiet", common.quiet, "no progress line on stderr");

  auto* files = app.add_subcommand("files", "list the files a submission hands in, one per line");
  files->add_option("--kit", common.kit_dir, "the staged grader kit (default: the one built with this binary)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the problem (or --help); its own codes (105 ...) would not say "bad
    // command line" as the documented exit status 2 does.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    choose_sandbox_from(common);
    if (grade->parsed()) {
      return command_grade(common, folder, suite, items, results, junit, format, log,
                           grading_budget(budget, started));
    }
    if (validate->parsed()) return command_validate(common);
    if (files->parsed()) return command_files(common);
    if (export_split_command->parsed()) return command_export_split(common, split_dir);
    // batch: the parent computes the reference once; children find it cached.
    Setup s = set_up(common, batch_options.suite, batch_items);
    const int threads = common.threads > 0 ? common.threads
                                           : std::max(1, default_probe_threads() / batch_options.jobs);
    // Each grade child uses the sandbox this process found (asked once, here).
    batch_options.grade_arguments = {"--kit", common.kit_dir.string(), "--cache",
                                     s.options.cache_dir.string(), "--threads", std::to_string(threads),
                                     "--sandbox",
                                     active_sandbox() == SandboxKind::Fallback ? "fallback" : "bubblewrap"};
    if (!common.data_dir.empty()) {
      batch_options.grade_arguments.insert(batch_options.grade_arguments.end(), {"--data", common.data_dir.string()});
    }
    // run_batch passes --suite and --items on itself: they are part of each submission's key.
    batch_options.items = batch_items;
    batch_options.kit_fingerprint = s.kit.fingerprint;
    batch_options.data_checksum = s.data.checksum;
    batch_options.work_root = s.options.cache_dir / "work";   // grade_folder's CACHE/work/<pid>
    if (common.quiet) batch_options.grade_arguments.push_back("--quiet");
    if (common.no_replay) batch_options.grade_arguments.push_back("--no-replay");
    return run_batch(s.rubric, batch_options) == 0 ? 0 : 1;
  } catch (const UsageError& e) {
    std::cerr << "nnkit-grade: " << e.what() << "\n";
    return 2;
  } catch (const grader::Error& e) {
    std::cerr << "nnkit-grade: " << e.what() << "\n";
  } catch (const nnkit::Error& e) {
    std::cerr << "nnkit-grade: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "nnkit-grade: unexpected failure: " << e.what() << "\n";
  }
  return 3;
}
