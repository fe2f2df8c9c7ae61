#pragma once
/// A batch's gradebook (batch.hpp): OUT/gradebook.csv with one row per submission folder
/// — its status, its score per item, the total out of the selected cases' points, each
/// part's test accuracy and a detail (which files are missing, why the grader failed) —
/// and OUT/histogram.png of the scores, drawn by gnuplot. Both are written atomically.
/// A submission's results appear only when they were graded under its current key
/// (batch_record.hpp); otherwise its row says "not run".
#include <map>

#include "batch.hpp"
#include "batch_record.hpp"
#include "rubric.hpp"

namespace grader {

/// Rewrites gradebook.csv and histogram.png from OUT/submissions/*; returns how many
/// rows have each status.
std::map<Status, int> write_gradebook(const Rubric& rubric, const BatchOptions& options);

}  // namespace grader
