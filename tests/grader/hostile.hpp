#pragma once
// Helpers of the hostile-submission tests (test_grader_hostile.cpp): fixture submissions
// made from solution/ with one student region replaced, a run of the real `nnkit-grade
// grade` as a child process, and the checks every run must pass whatever the fixture did.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox.hpp"  // grader/src: the sandbox uid of a grading process

namespace hostile {

namespace fs = std::filesystem;
using json = nlohmann::json;

/// Where things are (compile definitions from tests/grader/CMakeLists.txt).
struct Paths {
  fs::path source;   ///< the repository: solution/, handout/, hidden_tests/
  fs::path grader;   ///< the nnkit-grade binary
  fs::path kit;      ///< the staged grader kit it uses
  fs::path work;     ///< this test's folder in the build tree
  /// "fallback" when $NNKIT_SANDBOX=fallback (CTest's grader.fallback.* variants, which the
  /// grader inherits), else "": fixtures and results of each sandbox apart, so both
  /// variants may run at once; the cache (reference observations) is shared.
  std::string variant;
  fs::path cache() const { return work / "cache"; }
  fs::path fixtures() const { return work / variant / "fixtures"; }
  fs::path results() const { return work / variant / "results"; }
  bool fallback() const { return variant == "fallback"; }
};
const Paths& paths();

/// One student region of a part replaced: the lines between `// >>> YOUR CODE HERE >>>`
/// and `// <<< END OF YOUR CODE <<<` of the region headed `// <item> ...`.
struct Injection {
  std::string part;   ///< numpy_ann, pytorch_ann, pytorch_cnn
  std::string item;   ///< "1.2"
  std::string body;
};

/// A submission folder: solution/'s (or handout/'s) three files, with injections and with
/// code put before everything else in a file (`prologue`, by part).
struct Fixture {
  std::string name;
  std::string base = "solution";
  std::vector<Injection> injections;
  std::map<std::string, std::string> prologue;
};

/// A file's bytes ("" when it cannot be read).
std::string read_text(const fs::path& path);

/// Where fixture `name` is written, and where its grading's results.json goes.
fs::path fixture_dir(const std::string& name);
fs::path results_file(const std::string& name);

/// Writes the fixture under fixture_dir(name) (a file is rewritten only when its
/// bytes change, so the grader's build cache keeps hitting) and returns the folder.
fs::path write_fixture(const Fixture& fixture);

/// One case of the rubric, as selected by --items.
struct RubricCase {
  std::string item, part, id, probe, suite;
  double points = 0;
};
/// The selected items' cases in rubric order (the order of results.json's tests).
std::vector<RubricCase> rubric_cases(const std::vector<std::string>& items);

/// Every file's bytes under `dir`, by relative path.
std::map<std::string, std::string> snapshot(const fs::path& dir);

/// What one `nnkit-grade grade` did.
struct GradeRun {
  pid_t pid = 0;
  int exit_status = -1;       ///< -1 when it did not exit normally
  bool finished = false;      ///< within the test's own deadline
  double seconds = 0;
  long max_rss_kb = 0;        ///< the grader's own peak resident memory
  std::string out, err;
  fs::path results_file;
  json results;               ///< parsed results.json (null when missing or invalid)
  std::string results_problem;
  unsigned sandbox_uid() const { return grader::sandbox_uid_for(pid); }
};

/// Runs `nnkit-grade grade FIXTURE --items ... --results FILE` with this test's cache.
GradeRun grade(const fs::path& fixture, const std::vector<std::string>& items,
               const fs::path& results_file, double deadline_s = 600);

/// Processes still alive that the grading started: those of its sandbox uid (when it runs
/// as root), those a fixture named `process_name` (when not empty; unique to that fixture,
/// as tests run side by side), and any whose command line names the fixture folder or the
/// grading's work and build folders. "pid (uid, state): cmdline" lines.
std::vector<std::string> survivors(const GradeRun& run, const fs::path& fixture,
                                   const std::string& process_name);

/// Files under `roots` (up to `depth` folders down, `excluded` folders skipped) that
/// belong to `uid` (when not 0), or that changed since `since` and whose bytes contain
/// `marker` (when not empty).
std::vector<std::string> planted_files(const std::vector<fs::path>& roots, int depth,
                                       fs::file_time_type since, const std::string& marker,
                                       unsigned uid, const std::vector<fs::path>& excluded = {});

/// What a fixture's grading must show.
struct Expectation {
  std::vector<std::string> items;              ///< --items
  std::set<std::string> failing_items;         ///< every case of these fails
  std::set<std::string> failing_probes;        ///< "part/probe": cases reading it fail
  /// A failing case's message must contain one of these (case-sensitive), when given.
  std::vector<std::string> reasons;
  /// The name (comm) the fixture gives its processes, if it does: none may survive.
  std::string process_name;
};

/// Grades `fixture` and checks, with doctest CHECKs:
/// - the grader exits 0 within its deadline and no process it started survives;
/// - results.json is valid and the grader's: one test per selected rubric case, in order,
///   with the rubric's max_score, a score that adds up, the grader's summary;
/// - the cases in `expect` fail, with one of its reasons, and every other case passes;
/// - the fixture folder is byte for byte what was submitted, and nothing in /tmp, $HOME,
///   the kit or this test's folder (outside the grader's cache) belongs to the sandbox's
///   uid.
/// Returns the run for further checks.
GradeRun grade_and_check(const Fixture& fixture, const Expectation& expect);

}  // namespace hostile
