#pragma once
/// One grading run of one submission folder (docs/architecture.md): intake, build each
/// part alone, run every probe the selected cases need in its own sandbox, judge each
/// case. The report writers (report.hpp) turn the result into results.json, JUnit XML
/// and tables.
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
  std::string message;
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
};

struct GradeReport {
  std::string submission;       ///< the folder's name
  std::string suite;            ///< public | hidden | all
  std::vector<PartResult> parts;
  std::vector<CaseResult> cases;
  std::vector<PartAccuracy> test_accuracy;       ///< per part whose training ran, in order
  std::vector<std::string> notes;                ///< e.g. a probe's output cut at the cap
  double score = 0, max_score = 0, seconds = 0;
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
