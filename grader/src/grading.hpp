#pragma once
/// One grading run of one submission folder (docs/architecture.md): intake, build each
/// part alone, run every probe the selected cases need in its own sandbox, judge each
/// case. The report writers (report.hpp) turn the result into results.json, JUnit XML
/// and tables.
///
/// A failure of the grader itself (an exception of its own while it builds a part, runs a
/// probe or judges a case: a full disk, a broken sandbox, a kit without the reference's
/// observations) is caught where it happens: the cases it touches are marked "not
/// graded: grader error" and score nothing, every other case is graded as usual, and the
/// report says that grading failed and that it is not the student's code
/// (GradeReport::grader_errors). A submission's own faults never get there: they are
/// results of its cases.
///
/// Results that survive a kill: each case is judged as soon as the probe it reads has run,
/// and GradeOptions::checkpoint receives the report so far — at the start, after each
/// probe that ran longer than a few seconds and after each part — with every case not yet
/// judged listed as "not graded: grading was stopped before this case"
/// (GradeReport::finished is false). The last report replaces them all.
///
/// The budget (grading_budget.hpp) and a part that hangs before it observes anything
/// bound the time a grading takes; see grade_submission.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "grading_budget.hpp"
#include "kit.hpp"
#include "part_build.hpp"
#include "prepared_data.hpp"
#include "reference.hpp"
#include "rubric.hpp"

namespace grader {

/// Why a case has no verdict (CaseResult::graded is false).
enum class NotGraded {
  GraderError,   ///< the grader itself failed on it: "not graded: grader error"
  NotYet,        ///< a checkpoint: grading had not reached it yet
  OutOfBudget,   ///< the grading budget ran out before its probe ran (or while it ran)
};

struct CaseResult {
  const Item* item = nullptr;
  const Case* c = nullptr;
  double score = 0;
  bool passed = false;
  /// False when the case has no verdict (its message says why: `why_not`): the grader
  /// failed on it, grading had not reached it, or the budget ran out first. It scores 0.
  bool graded = true;
  std::string message;   ///< for the student: a hidden case's never quotes the submission
  NotGraded why_not = NotGraded::GraderError;   ///< when !graded
};

struct PartResult {
  std::string part, file;
  std::string intake_problem;   ///< missing, not a regular file, too large, binary
  PartBuild build;
  bool built() const { return intake_problem.empty() && build.ok; }
};

/// A part's test accuracy on the held-out labels, with the threshold it was judged by.
struct PartAccuracy {
  std::string part, class_name;
  double accuracy = 0, threshold = 0;
  int test_images = 0;
  bool shown = true;   ///< judged by a public case: the student may see it (leaderboard)
};

struct GradeReport {
  std::string submission;       ///< the folder's name
  std::string suite;            ///< public | hidden | all
  std::vector<PartResult> parts;
  std::vector<CaseResult> cases;
  std::vector<PartAccuracy> test_accuracy;       ///< per part whose training ran, in order
  std::vector<std::string> notes;                ///< for the student, e.g. a public probe's output cut
  /// Why the grader itself failed, one sentence each, for the student ("the grader could
  /// not run a probe of pytorch_ann"): never the exception's text, which may quote the
  /// submission. Empty when nothing went wrong on the grader's side.
  std::vector<std::string> grader_errors;
  /// For the instructor only (nnkit-grade's stderr or --log, Gradescope's hidden stdout):
  /// what failed probes threw and printed, what hidden cases' feedback leaves out, the
  /// grader's own errors ("GRADER ERROR: ..." lines). Sanitized and capped.
  std::vector<std::string> instructor_log;
  double score = 0, max_score = 0, seconds = 0;
  /// False in a checkpoint: some cases are listed as not graded yet.
  bool finished = true;
  /// Which sandbox ran its compiles and probes (sandbox_description(): "bubblewrap 0.8.0",
  /// "fallback (no namespaces): uid, rlimits, seccomp"); in results.json and the log.
  std::string sandbox;
  double budget_seconds = 0;     ///< the grading budget; 0: none
  bool budget_ran_out = false;   ///< some cases were not run because it was spent

  bool grader_error() const { return !grader_errors.empty(); }
};

struct GradeOptions {
  std::string suite = "all";
  std::vector<std::string> items;   ///< item numbers ("1.3"); empty: every item
  int threads = 2;
  std::filesystem::path cache_dir;
  std::filesystem::path work_dir;   ///< per-grading scratch (probe outputs); removed after
  bool progress = true;
  GradingBudget budget;             ///< no budget by default
  /// Replay the reference's long runs where the manifest allows and the submission builds
  /// the same network (replay.hpp); false: every probe runs in full (--no-replay).
  bool replay = true;
  /// Called with the report so far (GradeReport::finished false) at the start, after
  /// each probe that ran longer than a few seconds and after each part, so that a
  /// grading killed midway leaves the cases it finished (main.cpp writes results.json).
  /// An exception it throws is logged for the instructor; grading goes on.
  std::function<void(const GradeReport&)> checkpoint;
};

/// Whether case `c` of `item` is graded under `options` (suite and item selection).
bool selected(const Item& item, const Case& c, const GradeOptions& options);

/// Grades `submission`. Time is bounded two ways beyond each probe's timeout:
///   - the budget: when it is spent no build or probe starts, a probe's timeout is clamped
///     to what is left, and the cases not run say "not run: the grading budget of N s ran
///     out" and score 0;
///   - a part whose program hangs before it observes anything (a constructor that never
///     returns, a static initialiser) costs one timeout, not one per probe: after a probe
///     timed out with nothing on its channel, each later probe of that part must observe
///     something within a start-up deadline (3 times the reference's time to its first
///     observation, at least 2 s: process start on a loaded machine) or it is stopped
///     and fails with "did not start: the same hang as probe X". Parts that never hang
///     run exactly as before.
GradeReport grade_submission(const Kit& kit, const Rubric& rubric, const ReferenceStore& reference,
                             const PreparedData& data, const std::filesystem::path& submission,
                             const GradeOptions& options);

}  // namespace grader
