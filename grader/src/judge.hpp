#pragma once
/// Step 4 of a grading: one case judged in the grader's own process, from what the
/// student's probe observed, what the reference solution observed for the same probe, the
/// rubric's thresholds and the held-out test labels (invariants I1, I2 of docs/architecture.md).
///
/// Feedback: every case says what it checked and why it failed; public cases also show
/// the expected value next to the student's (and may quote the submission's own text: an
/// exception message, a reported string, cut to text::kCaseTextBytes). A hidden case's
/// message is one of the grader's own sentences with the grader's own numbers (limits,
/// thresholds): never an expected value, and never anything the submission chose — its
/// text, its values, its exit status — which could spell out the hidden suite a few bytes
/// per case (one submission listed every hidden probe id in an exception message). What a
/// hidden case leaves out goes to the instructor (`detail`).
#include <string>
#include <utility>
#include <vector>

#include "observations.hpp"
#include "probe_run.hpp"
#include "rubric.hpp"

namespace grader {

struct CaseVerdict {
  CaseVerdict() = default;
  CaseVerdict(bool passed, std::string message, std::string detail = {})
      : passed(passed), message(std::move(message)), detail(std::move(detail)) {}

  bool passed = false;
  std::string message;   ///< for the student: valid UTF-8, at most text::kCaseTextBytes (+ marker)
  std::string detail;    ///< for the instructor only: what a hidden case's message leaves out
};

struct JudgeInputs {
  const ProbeRun* student = nullptr;        ///< null when the part did not build
  std::string part_failure;                 ///< why there is no probe run
  const Observations* reference = nullptr;  ///< the reference's observations of this probe
  const std::vector<int>* test_labels = nullptr;
};

/// Throws grader::Error when the fault is the kit's, not the submission's (no reference
/// observations for the probe, a key the rubric names that the reference never reports):
/// the caller marks the case "not graded: grader error".
CaseVerdict judge_case(const Case& c, const JudgeInputs& in);

}  // namespace grader
