#pragma once
/// The grading budget (`nnkit-grade grade --budget SECONDS`, default $NNKIT_GRADE_BUDGET):
/// wall-clock seconds the whole grading may take, counted from nnkit-grade's start (set-up
/// included). Gradescope gives a submission 0 and no test results at all when its own
/// timeout kills the autograder; a budget below that timeout lets the grader stop first and
/// report what it graded. When it is spent no further build or probe starts, and a probe's
/// timeout is clamped to what is left (a probe stopped by that clamp did not time out:
/// its cases are "not run", not failed).
#include <chrono>
#include <optional>
#include <string>

namespace grader {

class GradingBudget {
 public:
  using Clock = std::chrono::steady_clock;

  /// No budget: never spent.
  GradingBudget() = default;
  /// `seconds` from `start`; 0 means no budget.
  GradingBudget(double seconds, Clock::time_point start) : seconds_(seconds), start_(start) {}

  bool limited() const { return seconds_ > 0; }
  double seconds() const { return seconds_; }
  /// Seconds left (never negative); a very large number without a budget.
  double remaining() const;
  bool spent() const { return limited() && remaining() <= 0; }

 private:
  double seconds_ = 0;
  Clock::time_point start_ = Clock::now();
};

/// The largest budget accepted: a day. Anything above is a typo (milliseconds?).
inline constexpr double kMaxBudgetSeconds = 86'400;

/// "" when `value` is a budget in seconds: 0 (none) or a number from 1 to
/// kMaxBudgetSeconds; otherwise the sentence that says the range (for --budget and
/// $NNKIT_GRADE_BUDGET).
std::string budget_problem(const std::string& value);

/// $NNKIT_GRADE_BUDGET's value when it is set and not empty, validated; nullopt when it is
/// not set. Throws grader::Error with budget_problem's sentence when it is not a budget.
std::optional<double> budget_from_environment();

}  // namespace grader
