#pragma once
/// What a batch keeps beside each submission's results (OUT/submissions/<name>/key.json,
/// written atomically): the key the submission was graded under and how that grading
/// ended. A later batch trusts a result only under an equal key, so a resubmission, a
/// rebuilt kit, another dataset or other --suite/--items are graded again, and a result
/// is never shown for a key it was not computed under (docs/architecture.md, I6).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report.hpp"

namespace grader {

/// A submission's place in the gradebook (its "status" column).
enum class Status {
  Graded,        ///< results.json is the grader's verdict
  FilesMissing,  ///< graded, but a part's file was not handed in (its cases score 0)
  GraderError,   ///< the grader itself failed: no verdict, the submission is graded again next run
  NotRun,        ///< not graded under the current key (the batch was stopped before it)
};
std::string status_name(Status status);   ///< "graded", "files missing", "grader error", "not run"

/// Everything a submission's results depend on besides the grader's code.
struct GradingKey {
  std::string content;              ///< content_digest() of the submission folder
  std::string kit;                  ///< Kit::fingerprint: manifest, libraries, headers
  std::string data;                 ///< PreparedData::checksum: the split and held-out labels
  std::string suite;                ///< public | hidden | all
  std::vector<std::string> items;   ///< sorted, without repeats; empty: every item

  bool operator==(const GradingKey&) const = default;
  /// What differs from `before`, for the log: "the submission's files, the kit"; "" when equal.
  std::string changes_since(const GradingKey& before) const;
  nlohmann::json to_json() const;
  static GradingKey from_json(const nlohmann::json& j);
};

/// A digest of every file under `folder` (names, kinds, sizes and bytes, in name order).
/// Links are recorded by their target and never followed, and nothing but regular files is
/// opened (a FIFO would block), so any folder a student hands in can be keyed; one that
/// cannot be read is keyed by the error, and graded again once it can.
std::string content_digest(const std::filesystem::path& folder);

struct BatchRecord {
  GradingKey key;
  Status status = Status::NotRun;
  std::string detail;   ///< for the gradebook: which files are missing, why the grader failed
};

/// The record in `file`; nothing when there is none or it cannot be read (the submission
/// is then graded again, never skipped).
std::optional<BatchRecord> read_record(const std::filesystem::path& file);
void write_record(const std::filesystem::path& file, const BatchRecord& record);

/// How a grade child ended, from its wait status, its results.json, the last lines of its
/// log and the part files missing from its submission: a grader error when it did not exit
/// 0, left no readable results.json or one with kGraderErrorField; else files missing when
/// `missing_files` is not empty; else graded.
BatchRecord classify_grading(const GradingKey& key, int wait_status,
                             const std::filesystem::path& results,
                             const std::filesystem::path& log,
                             const std::vector<std::string>& missing_files);

}  // namespace grader
