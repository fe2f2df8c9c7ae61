#pragma once
/// `nnkit-grade batch`: a whole class. Every submission folder is graded by its own
/// `nnkit-grade grade` child process (so one grading can never disturb another), N at a
/// time; each writes OUTDIR/<name>/results.json atomically when it finishes. A batch that
/// is killed and started again skips the folders whose results.json exists (invariant
/// I6). At the end: OUTDIR/gradebook.csv (one row per submission, one column per item,
/// the total) and OUTDIR/histogram.png (the scores, drawn by gnuplot).
#include <filesystem>
#include <string>

#include "rubric.hpp"

namespace grader {

struct BatchOptions {
  std::filesystem::path submissions, out_dir;
  int jobs = 1;
  std::string suite = "all";
  std::vector<std::string> grade_arguments;   ///< passed on to every child (--kit, --cache ...)
};

/// Returns the number of submissions whose grading could not complete.
int run_batch(const Rubric& rubric, const BatchOptions& options);

/// Rewrites gradebook.csv and histogram.png from the results.json files in out_dir.
void write_gradebook(const Rubric& rubric, const std::filesystem::path& out_dir);

}  // namespace grader
