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
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "kit.hpp"
#include "part_build.hpp"
#include "prepared_data.hpp"
#include "reference.hpp"
#include "rubric.hpp"

namespace grader {

struct CaseResult {
  const Item* item = nullptr;
  const Case* c = nullptr;
  double score = 0;
  bool passed = false;
  /// False when the grader itself failed before it could judge this case (its message
  /// then says "not graded: grader error"): the student is not charged for it.
  bool graded = true;
  std::string message;   ///< for the student: a hidden case's never quotes the submission
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

  bool grader_error() const { return !grader_errors.empty(); }
};

struct GradeOptions {
  std::string suite = "all";
  std::vector<std::string> items;   ///< item numbers ("1.3"); empty: every item
  int threads = 2;
  std::filesystem::path cache_dir;
  std::filesystem::path work_dir;   ///< per-grading scratch (probe outputs); removed after
  bool progress = true;
};

/// Whether case `c` of `item` is graded under `options` (suite and item selection).
bool selected(const Item& item, const Case& c, const GradeOptions& options);

GradeReport grade_submission(const Kit& kit, const Rubric& rubric, const ReferenceStore& reference,
                             const PreparedData& data, const std::filesystem::path& submission,
                             const GradeOptions& options);

}  // namespace grader
