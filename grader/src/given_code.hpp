#pragma once
/// Whether a submitted part keeps the handout's given code (docs/architecture.md,
/// "Replaying the reference's run"). The grader replays the reference's long run for a
/// submission only when this holds: the run is then the given code's, applied to what the
/// student's regions build.
#include <string>

namespace grader {

/// "" when `submission` keeps everything of `handout` outside the student regions (the
/// lines between `// >>> YOUR CODE HERE >>>` and `// <<< END OF YOUR CODE <<<`) line for
/// line — ignoring carriage returns and trailing white space — and every region stays
/// inside the body it opens in: its braces balance and never close below its start, and
/// it holds no preprocessor line (a #define there could rewrite the given code after
/// it). Otherwise the first reason it does not, with its line, for the instructor's log.
std::string given_code_difference(const std::string& handout, const std::string& submission);

}  // namespace grader
