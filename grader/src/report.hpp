#pragma once
/// The grading report in every form it is read (docs/architecture.md, step 5):
/// Gradescope's results.json, JUnit XML for CI, and a terminal/Markdown table.
/// Files are written once, atomically, when grading has finished.
#include <string>

#include <nlohmann/json.hpp>

#include "grading.hpp"

namespace grader {

/// Gradescope's autograder format: score, execution_time, output, visibility,
/// stdout_visibility, tests[] (number, name, score, max_score, status, output,
/// visibility: public cases "visible", hidden ones "after_published"), leaderboard
/// (the three test accuracies).
nlohmann::json gradescope_results(const GradeReport& report);

std::string junit_xml(const GradeReport& report);

/// One row per case, items grouped, then the total; `markdown` for a pipe table.
std::string score_table(const GradeReport& report, bool markdown);

/// Compiler output of the parts that did not build, and notes: what a student reads first.
std::string summary_text(const GradeReport& report);

}  // namespace grader
