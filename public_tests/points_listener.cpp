// A doctest listener that turns the public suites' test cases into the rubric's view:
// a test case named "1.6 _backward (3 pts)" prints "1.6 _backward (3 pts): passed" (or
// FAILED), and the run ends with the points of the items that passed. This is the
// feedback of a test binary run on its own; `make test` runs the public-test runner
// (runner/), which starts the binary once per item and prints these lines itself, so the
// listener stays silent there. The grader scores with its own suites (not in this archive).
#include <doctest/doctest.h>

#include <cstdlib>
#include <ostream>
#include <regex>
#include <string>

#include "result_channel.hpp"

namespace {

class PointsListener : public doctest::IReporter {
public:
  explicit PointsListener(const doctest::ContextOptions& options)
      : out_(*options.cout), silent_(std::getenv(public_tests::kResultsFileVariable) != nullptr) {}

  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {
    if (total_ > 0 && !silent_) out_ << "Public tests: " << earned_ << " / " << total_ << " points\n";
  }
  void test_case_start(const doctest::TestCaseData& test_case) override { name_ = test_case.m_name; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    static const std::regex item(R"(^\d+\.\d+ .* \((\d+) pts?\)$)");
    std::smatch match;
    if (silent_ || !std::regex_match(name_, match, item)) return;  // helper checks carry no points
    const int points = std::stoi(match[1]);
    total_ += points;
    if (stats.testCaseSuccess) earned_ += points;
    out_ << name_ << ": " << (stats.testCaseSuccess ? "passed" : "FAILED") << "\n";
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

private:
  std::ostream& out_;
  bool silent_;  ///< the runner's records carry the results
  std::string name_;
  int earned_ = 0;
  int total_ = 0;
};

}  // namespace

REGISTER_LISTENER("points", 1, PointsListener);
