#pragma once
/// `nnkit-grade batch`: a whole class. Every folder of DIR is a submission, whatever its
/// name; each is graded by its own `nnkit-grade grade` child process (so one grading can
/// never disturb another), N at a time. A child runs in its own process group and dies
/// with the batch (child_process.hpp), so a killed batch leaves no grading behind. Its
/// outputs go to OUT/submissions/<name>/ — results.json, junit.xml, grading.log, and the
/// batch's key.json (batch_record.hpp) — apart from the batch's own files at the top of
/// OUT (gradebook.csv, histogram.png, batch.lock), so no folder name can clash with them.
///
/// Resuming (invariant I6): a submission is graded again only when its key — its files'
/// content, the kit's fingerprint, the data's checksum, --suite and --items — differs from
/// the one its results were graded under, or its grading failed (a grader error is no
/// verdict); --force grades everything again. At the end, or when stopped by SIGINT,
/// SIGTERM or SIGHUP: gradebook.csv with one row per submission folder and its status
/// (graded, files missing, grader error, not run), and histogram.png of the scores.
#include <filesystem>
#include <string>
#include <vector>

#include "batch_record.hpp"
#include "rubric.hpp"

namespace grader {

struct BatchOptions {
  std::filesystem::path submissions, out_dir;
  int jobs = 1;
  std::string suite = "all";
  std::vector<std::string> items;            ///< graded items; empty: every item
  bool force = false;                        ///< grade every submission again, whatever its key
  std::string kit_fingerprint;               ///< Kit::fingerprint, part of every key
  std::string data_checksum;                 ///< PreparedData::checksum, part of every key
  std::vector<std::string> grade_arguments;  ///< passed on to every child (--kit, --cache ...)
  /// Where graders keep their scratch folders, one per process id (CACHE/work/<pid>): those
  /// of graders no longer running (killed children) are removed before and after a batch.
  std::filesystem::path work_root;
};

/// Every folder in options.submissions (links to folders too), sorted by name.
std::vector<std::filesystem::path> submission_folders(const BatchOptions& options);

/// Where the outputs of submission `name` go: OUT/submissions/<name>.
std::filesystem::path submission_out_dir(const BatchOptions& options, const std::string& name);

/// The key `folder` would be graded under now.
GradingKey current_key(const BatchOptions& options, const std::filesystem::path& folder);

/// The points of the cases --suite and --items select: what a total is out of.
double selected_points(const Rubric& rubric, const std::string& suite,
                       const std::vector<std::string>& items);

/// Grades what needs grading, then writes the gradebook. Returns the number of
/// submissions without a verdict (grader error or not run); 0 when every one has one.
/// Throws grader::Error when DIR is not a folder, OUT lies inside DIR, or another batch
/// is writing into OUT.
int run_batch(const Rubric& rubric, const BatchOptions& options);

}  // namespace grader
