// Writing the report: see report.hpp.
#include "report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "text.hpp"

namespace grader {
namespace {

/// Rubric text (item names, what a case checks) is the instructor's, but goes through the
/// same functions: a report must not depend on a manifest being well-behaved either.
constexpr std::size_t kNameBytes = 512;
constexpr std::size_t kMaxNotes = 20;
constexpr std::size_t kMaxGraderErrors = 5;
/// A case's message as the judge cut it (judge.hpp) fits; anything longer is cut again.
constexpr std::size_t kMessageBytes = text::kCaseTextBytes + text::kCutMarkerBytes;

std::string points(double p) { return fmt::format("{:g}", std::round(p * 100) / 100); }

std::string test_name(const CaseResult& r) {
  return text::cut(fmt::format("{} {} — {}", r.item->number, r.item->name, r.c->checks), kNameBytes);
}

/// The first line of `message`, at most `width` bytes, cut on a character boundary.
std::string table_cell(const std::string& message, std::size_t width) {
  std::string line = text::sanitize(std::string_view(message).substr(0, message.find('\n')));
  if (line.size() <= width) return line;
  std::size_t end = width - 3;
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
  return line.substr(0, end) + "...";
}

/// The cases without a verdict for reason `why`.
std::size_t not_graded(const GradeReport& report, NotGraded why = NotGraded::GraderError) {
  return static_cast<std::size_t>(std::count_if(
      report.cases.begin(), report.cases.end(),
      [why](const CaseResult& r) { return !r.graded && r.why_not == why; }));
}

std::string cases_text(std::size_t n) { return fmt::format("{} case{}", n, n == 1 ? "" : "s"); }

/// The grader's failures, each once, for the student.
std::string grader_error_text(const GradeReport& report) {
  std::vector<std::string> reasons;
  for (const auto& reason : report.grader_errors) {
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
  }
  std::string text = "grading failed — not your code: ";
  for (std::size_t i = 0; i < reasons.size() && i < kMaxGraderErrors; ++i) {
    text += (i == 0 ? "" : "; ") + text::one_line(reasons[i], kNameBytes);
  }
  if (reasons.size() > kMaxGraderErrors) text += fmt::format("; and {} more", reasons.size() - kMaxGraderErrors);
  const std::size_t cases = not_graded(report);
  text += fmt::format(
      ".\n{} case{} marked \"not graded: grader error\" score{} nothing for now. Please tell the "
      "course staff: the error is in the grader's log, and they will regrade this submission.\n",
      cases, cases == 1 ? " is" : "s are", cases == 1 ? "s" : "");
  return text;
}

}  // namespace

std::string summary_text(const GradeReport& report) {
  std::string text = fmt::format("nnkit grader: {} / {} points ({} suite{})\n", points(report.score),
                                 points(report.max_score), text::one_line(report.suite, 16),
                                 report.suite == "all" ? "s" : "");
  if (report.grader_error()) text += grader_error_text(report);
  if (!report.finished) {
    text += fmt::format(
        "Grading did not finish: these results were saved while grading ran, and {} marked "
        "\"not graded\" were not reached (the platform's time limit?). They score 0 for now: "
        "please tell the course staff.\n",
        cases_text(not_graded(report, NotGraded::NotYet)));
  }
  if (report.budget_ran_out) {
    text += fmt::format(
        "The grading budget of {:g} s ran out: {} marked \"not run\" score 0. The probes "
        "before them took the time (each case says whether its probe timed out).\n",
        report.budget_seconds, cases_text(not_graded(report, NotGraded::OutOfBudget)));
  }
  for (const auto& part : report.parts) {
    if (!part.intake_problem.empty()) {
      text += fmt::format("\n{}: {}\n", text::one_line(part.file, kNameBytes),
                          text::cut(part.intake_problem, text::kCaseTextBytes));
    } else if (!part.build.ok && !part.build.failure.empty()) {
      // invariant I4: the student sees what the compiler said (cut: a page is plenty)
      text += fmt::format("\n{} {}. What the compiler said:\n{}\n", text::one_line(part.file, kNameBytes),
                          text::one_line(part.build.failure, kNameBytes),
                          text::cut(part.build.compiler_output, text::kCompilerOutputBytes));
    }
  }
  for (const auto& part : report.test_accuracy) {
    if (part.shown) {
      text += fmt::format("{} test accuracy: {:.5f}\n", text::one_line(part.class_name, kNameBytes),
                          part.accuracy);
    }
  }
  for (std::size_t i = 0; i < report.notes.size() && i < kMaxNotes; ++i) {
    text += "note: " + text::one_line(report.notes[i], text::kNoteBytes) + "\n";
  }
  if (report.notes.size() > kMaxNotes) {
    text += fmt::format("note: and {} more notes\n", report.notes.size() - kMaxNotes);
  }
  text += fmt::format("Graded in {:.0f} s.\n", report.seconds);
  return text;
}

nlohmann::json gradescope_results(const GradeReport& report) {
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& r : report.cases) {
    tests.push_back({{"number", text::one_line(r.item->number, kNameBytes)},
                     {"name", test_name(r)},
                     {"score", r.score},
                     {"max_score", r.c->points},
                     {"status", r.passed ? "passed" : "failed"},
                     {"output", text::cut(r.message, kMessageBytes)},
                     {"output_format", "text"},
                     {"tags", {suite_name(r.c->suite), text::one_line(r.item->part, kNameBytes)}},
                     {"visibility", r.c->suite == Suite::Public ? "visible" : "after_published"}});
  }
  nlohmann::json leaderboard = nlohmann::json::array();
  for (const auto& part : report.test_accuracy) {
    if (!part.shown) continue;
    leaderboard.push_back({{"name", text::one_line(part.class_name, kNameBytes) + " test accuracy"},
                           {"value", std::round(part.accuracy * 1e5) / 1e5}});
  }
  return {{"score", report.score},
          {"execution_time", static_cast<int>(std::ceil(report.seconds))},
          {"output", summary_text(report)},
          // Gradescope renders the top-level output as HTML by default: compiler output
          // quoting `#include <vector>` must read as it is
          {"output_format", "text"},
          {"test_output_format", "text"},
          {"test_name_format", "text"},
          {"visibility", "visible"},
          {"stdout_visibility", "hidden"},
          {"sandbox", report.sandbox},
          {kGraderErrorField, report.grader_error()},
          {kFinishedField, report.finished},
          {"budget_seconds", report.budget_seconds > 0 ? nlohmann::json(report.budget_seconds)
                                                       : nlohmann::json(nullptr)},
          {kBudgetRanOutField, report.budget_ran_out},
          {"tests", tests},
          {"leaderboard", leaderboard}};
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string junit_xml(const GradeReport& report) {
  std::size_t failures = 0, errors = 0;
  for (const auto& r : report.cases) {
    if (!r.graded) ++errors;
    else if (!r.passed) ++failures;
  }
  std::string xml = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"nnkit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.1f}\">\n"
      "<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.1f}\">\n",
      report.cases.size(), failures, errors, report.seconds,
      text::xml_attribute(text::one_line(report.submission, kNameBytes)), report.cases.size(),
      failures, errors, report.seconds);
  for (const auto& r : report.cases) {
    xml += fmt::format("  <testcase classname=\"{}\" name=\"{}\">\n",
                       text::xml_attribute(text::one_line(r.item->part, kNameBytes)),
                       text::xml_attribute(text::cut(
                           fmt::format("{} {} [{}] ({} of {} pts)", r.item->number, r.item->name,
                                       r.c->id, points(r.score), points(r.c->points)),
                           kNameBytes)));
    if (!r.passed) {
      // JUnit tells an error (the grader's) from a failure (the submission's)
      const char* element = r.graded ? "failure" : "error";
      xml += fmt::format("    <{0} message=\"{1}\">{2}</{0}>\n", element,
                         text::xml_attribute(text::first_line(r.message, kNameBytes)),
                         text::xml_escape(text::cut(r.message, kMessageBytes)));
    }
    xml += "  </testcase>\n";
  }
  xml += fmt::format("  <system-out>{}</system-out>\n</testsuite>\n</testsuites>\n",
                     text::xml_escape(summary_text(report)));
  return xml;
}

std::string score_table(const GradeReport& report, bool markdown) {
  std::string out;
  if (markdown) {
    out += "| item | case | suite | points | status | details |\n|---|---|---|---|---|---|\n";
  }
  const auto status = [](const CaseResult& r, bool markdown) -> std::string {
    if (!r.graded && r.why_not == NotGraded::OutOfBudget) return markdown ? "**not run**" : "NOT RUN";
    if (!r.graded) return markdown ? "**not graded**" : "NOT GRADED";
    if (r.passed) return "passed";
    return markdown ? "**failed**" : "FAILED";
  };
  std::string last_item;
  for (const auto& r : report.cases) {
    const std::string number = text::one_line(r.item->number, 32);
    const std::string name = text::one_line(r.item->name, 100);
    const std::string id = text::one_line(r.c->id, 100);
    if (markdown) {
      std::string cell = table_cell(text::cut(r.message, kMessageBytes), 300);
      std::replace(cell.begin(), cell.end(), '|', '/');
      std::replace(cell.begin(), cell.end(), '\t', ' ');
      out += fmt::format("| {} {} | {} | {} | {}/{} | {} | {} |\n", number, name, id,
                         suite_name(r.c->suite), points(r.score), points(r.c->points),
                         status(r, true), cell);
      continue;
    }
    if (r.item->number != last_item) {
      double got = 0, max = 0;
      for (const auto& other : report.cases) {
        if (other.item == r.item) { got += other.score; max += other.c->points; }
      }
      out += fmt::format("{} {} ({} / {} pts)\n", number, name, points(got), points(max));
      last_item = r.item->number;
    }
    out += fmt::format("  {:<7} {:<40} {:>5}/{:<4} {}\n", status(r, false), id, points(r.score),
                       points(r.c->points), table_cell(text::cut(r.message, kMessageBytes), 100));
  }
  out += fmt::format("{}Total: {} / {} points{}\n", markdown ? "\n**" : "", points(report.score),
                     points(report.max_score), markdown ? "**" : "");
  if (report.grader_error()) {
    out += fmt::format("{}GRADER ERROR: {} case(s) not graded (see the log)\n", markdown ? "\n" : "",
                       not_graded(report));
  }
  if (report.budget_ran_out) {
    out += fmt::format("{}BUDGET: the grading budget of {:g} s ran out; {} not run\n",
                       markdown ? "\n" : "", report.budget_seconds,
                       cases_text(not_graded(report, NotGraded::OutOfBudget)));
  }
  return out;
}

std::string instructor_log(const GradeReport& report) {
  if (report.instructor_log.empty() && report.sandbox.empty()) return "";
  std::string log = fmt::format("== instructor's log of {} (never shown to students) ==\n",
                                text::one_line(report.submission, kNameBytes));
  if (!report.sandbox.empty()) log += "sandbox: " + text::one_line(report.sandbox, kNameBytes) + "\n";
  for (const auto& entry : report.instructor_log) {
    log += text::sanitize(entry);
    if (log.back() != '\n') log += '\n';
  }
  return log;
}

}  // namespace grader
