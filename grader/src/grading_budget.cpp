// The grading budget: see grading_budget.hpp.
#include "grading_budget.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {

double GradingBudget::remaining() const {
  if (!limited()) return std::numeric_limits<double>::max();
  const double used = std::chrono::duration<double>(Clock::now() - start_).count();
  return std::max(0.0, seconds_ - used);
}

std::string budget_problem(const std::string& value) {
  double seconds = 0;
  std::size_t used = 0;
  try {
    seconds = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == value.size() && used > 0 && std::isfinite(seconds) &&
      (seconds == 0 || (seconds >= 1 && seconds <= kMaxBudgetSeconds))) {
    return "";
  }
  return fmt::format(
      "{} is not a grading budget: give the seconds the whole grading may take, from 1 to {:g} "
      "(a day), or 0 for no budget; on Gradescope keep it about a minute below the "
      "autograder's timeout",
      value, kMaxBudgetSeconds);
}

std::optional<double> budget_from_environment() {
  const char* value = std::getenv("NNKIT_GRADE_BUDGET");
  if (!value || !*value) return std::nullopt;
  if (const std::string problem = budget_problem(value); !problem.empty()) {
    throw Error("NNKIT_GRADE_BUDGET: " + problem);
  }
  return std::stod(value);
}

}  // namespace grader
