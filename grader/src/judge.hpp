#pragma once
/// Step 4 of a grading: one case judged in the grader's own process, from what the
/// student's probe observed, what the reference solution observed for the same probe, the
/// rubric's thresholds and the held-out test labels (invariants I1, I2 of docs/architecture.md).
///
/// Feedback: every case says what it checked and why it failed; public cases also show
/// the expected value next to the student's, hidden cases never show an expected value.
#include <string>
#include <vector>

#include "observations.hpp"
#include "probe_run.hpp"
#include "rubric.hpp"

namespace grader {

struct CaseVerdict {
  bool passed = false;
  std::string message;   ///< for the student
};

struct JudgeInputs {
  const ProbeRun* student = nullptr;        ///< null when the part did not build
  std::string part_failure;                 ///< why there is no probe run
  const Observations* reference = nullptr;  ///< the reference's observations of this probe
  const std::vector<int>* test_labels = nullptr;
};

CaseVerdict judge_case(const Case& c, const JudgeInputs& in);

}  // namespace grader
