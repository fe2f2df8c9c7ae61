#pragma once
/// The grading report in every form it is read (docs/architecture.md, step 5):
/// Gradescope's results.json, JUnit XML for CI, a terminal/Markdown table, and the
/// instructor's log. Files are written atomically (write_file_atomically): main.cpp
/// rewrites results.json and the JUnit file at each checkpoint of a grading (grading.hpp)
/// and once more when it has finished.
///
/// Whatever a submission did, every report is valid UTF-8 (XML 1.0 for JUnit) of bounded
/// size, so it can always be written: each string from a submission or the compiler goes
/// through text.hpp (invalid bytes and control characters replaced, cut on a character
/// boundary to text::kCaseTextBytes per case and text::kCompilerOutputBytes per part).
/// What the student reads never quotes a hidden case's probe (judge.hpp); that text is in
/// the instructor's log only. When the grader itself failed (GradeReport::grader_errors),
/// every form says that grading failed and that it is not the student's code.
#include <string>

#include <nlohmann/json.hpp>

#include "grading.hpp"

namespace grader {

/// The results.json field that is true when the grader itself failed: some cases were not
/// graded, so the results are no verdict on the submission (the batch grades it again).
inline constexpr const char* kGraderErrorField = "grader_error";

/// The results.json field that is false in a checkpoint: grading had not finished (some
/// cases say "not graded: grading was stopped before this case").
inline constexpr const char* kFinishedField = "grading_finished";

/// The results.json field that is true when the grading budget ran out ("budget_seconds"
/// holds the budget, null without one): the cases not run say so and score 0.
inline constexpr const char* kBudgetRanOutField = "budget_ran_out";

/// Gradescope's autograder format: score, execution_time, output (summary_text, shown as
/// plain text: "output_format": "text"), visibility, stdout_visibility ("hidden": the
/// stdout of run_autograder, where the instructor's log goes, is for instructors only),
/// grader_error (true when the grader itself failed: some cases were not graded),
/// grading_finished (false in a checkpoint), budget_seconds and budget_ran_out, sandbox
/// (which one ran: "bubblewrap 0.8.0" or "fallback (no namespaces): ..."), tests[]
/// (number, name, score, max_score, status, output with "output_format": "text", tags,
/// visibility: public cases
/// "visible", hidden ones "after_published"), leaderboard (the public test accuracies).
nlohmann::json gradescope_results(const GradeReport& report);

/// `j` as text for a file: indented, and written even if a string in it were not UTF-8
/// (replaced, never an exception: a report can always be written).
std::string json_text(const nlohmann::json& j);

std::string junit_xml(const GradeReport& report);

/// One row per case, items grouped, then the total; `markdown` for a pipe table.
std::string score_table(const GradeReport& report, bool markdown);

/// What a student reads first: the score; that grading failed, when the grader did (not
/// their code); the compiler output of the parts that did not build; the public test
/// accuracies; notes.
std::string summary_text(const GradeReport& report);

/// For the instructor only (nnkit-grade's stderr, or --log FILE): what failed probes
/// threw and printed, what hidden cases' feedback leaves out, and one "GRADER ERROR: ..."
/// line per failure of the grader itself; first, which sandbox ran. Empty when there is
/// nothing to say.
std::string instructor_log(const GradeReport& report);

}  // namespace grader
