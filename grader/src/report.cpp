// Writing the report: see report.hpp.
#include "report.hpp"

#include <cmath>

#include <fmt/format.h>

namespace grader {
namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // control characters are not allowed in XML 1.0 (a student's output may have them)
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') out += '?';
        else out += ch;
    }
  }
  return out;
}

std::string points(double p) { return fmt::format("{:g}", std::round(p * 100) / 100); }

}  // namespace

std::string summary_text(const GradeReport& report) {
  std::string text = fmt::format("nnkit grader: {} / {} points ({} suite{})\n", points(report.score),
                                 points(report.max_score), report.suite,
                                 report.suite == "all" ? "s" : "");
  for (const auto& part : report.parts) {
    if (!part.intake_problem.empty()) {
      text += fmt::format("\n{}: {}\n", part.file, part.intake_problem);
    } else if (!part.build.ok) {
      text += fmt::format("\n{} {}. What the compiler said:\n{}\n", part.file, part.build.failure,
                          part.build.compiler_output);
    }
  }
  for (const auto& part : report.test_accuracy) {
    text += fmt::format("{} test accuracy: {:.5f}\n", part.class_name, part.accuracy);
  }
  for (const auto& note : report.notes) text += "note: " + note + "\n";
  text += fmt::format("Graded in {:.0f} s.\n", report.seconds);
  return text;
}

nlohmann::json gradescope_results(const GradeReport& report) {
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& r : report.cases) {
    tests.push_back({{"number", r.item->number},
                     {"name", fmt::format("{} {} — {}", r.item->number, r.item->name, r.c->checks)},
                     {"score", r.score},
                     {"max_score", r.c->points},
                     {"status", r.passed ? "passed" : "failed"},
                     {"output", r.message},
                     {"tags", {suite_name(r.c->suite), r.item->part}},
                     {"visibility", r.c->suite == Suite::Public ? "visible" : "after_published"}});
  }
  nlohmann::json leaderboard = nlohmann::json::array();
  for (const auto& part : report.test_accuracy) {
    leaderboard.push_back({{"name", fmt::format("{} test accuracy", part.class_name)},
                           {"value", std::round(part.accuracy * 1e5) / 1e5}});
  }
  return {{"score", report.score},
          {"execution_time", static_cast<int>(std::ceil(report.seconds))},
          {"output", summary_text(report)},
          {"visibility", "visible"},
          {"stdout_visibility", "hidden"},
          {"tests", tests},
          {"leaderboard", leaderboard}};
}

std::string junit_xml(const GradeReport& report) {
  std::size_t failures = 0;
  for (const auto& r : report.cases) failures += !r.passed;
  std::string xml = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"nnkit\" tests=\"{}\" failures=\"{}\" time=\"{:.1f}\">\n"
      "<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.1f}\">\n",
      report.cases.size(), failures, report.seconds, xml_escape(report.submission),
      report.cases.size(), failures, report.seconds);
  for (const auto& r : report.cases) {
    xml += fmt::format("  <testcase classname=\"{}\" name=\"{}\">\n", r.item->part,
                       xml_escape(fmt::format("{} {} [{}] ({} of {} pts)", r.item->number,
                                              r.item->name, r.c->id, points(r.score),
                                              points(r.c->points))));
    if (!r.passed) {
      xml += fmt::format("    <failure message=\"{}\">{}</failure>\n",
                         xml_escape(r.message.substr(0, r.message.find('\n'))), xml_escape(r.message));
    }
    xml += "  </testcase>\n";
  }
  xml += fmt::format("  <system-out>{}</system-out>\n</testsuite>\n</testsuites>\n",
                     xml_escape(summary_text(report)));
  return xml;
}

std::string score_table(const GradeReport& report, bool markdown) {
  std::string out;
  if (markdown) {
    out += "| item | case | suite | points | status | details |\n|---|---|---|---|---|---|\n";
  }
  std::string last_item;
  for (const auto& r : report.cases) {
    std::string first_line = r.message.substr(0, r.message.find('\n'));
    if (markdown) {
      for (auto& ch : first_line) if (ch == '|') ch = '/';
      out += fmt::format("| {} {} | {} | {} | {}/{} | {} | {} |\n", r.item->number, r.item->name,
                         r.c->id, suite_name(r.c->suite), points(r.score), points(r.c->points),
                         r.passed ? "passed" : "**failed**", first_line);
      continue;
    }
    if (r.item->number != last_item) {
      double got = 0, max = 0;
      for (const auto& other : report.cases) {
        if (other.item == r.item) { got += other.score; max += other.c->points; }
      }
      out += fmt::format("{} {} ({} / {} pts)\n", r.item->number, r.item->name, points(got), points(max));
      last_item = r.item->number;
    }
    if (first_line.size() > 100) first_line = first_line.substr(0, 97) + "...";
    out += fmt::format("  {:<7} {:<40} {:>5}/{:<4} {}\n", r.passed ? "passed" : "FAILED",
                       r.c->id, points(r.score), points(r.c->points), first_line);
  }
  out += fmt::format("{}Total: {} / {} points{}\n", markdown ? "\n**" : "", points(report.score),
                     points(report.max_score), markdown ? "**" : "");
  return out;
}

}  // namespace grader
