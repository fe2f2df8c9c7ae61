// Wording a test case's failures: see item_report.hpp.
#include "item_report.hpp"

#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace public_tests {
namespace {

constexpr const char* kIndent = "    ";

/// Every line of `text` indented.
std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += indent + line + "\n";
  return out;
}

/// "public_tests/test_numpy_ann.cpp:240", whatever folder the archive was unpacked in.
std::string where(const std::string& file, int line) {
  const auto at = file.rfind("public_tests/");
  return fmt::format("{}:{}", at == std::string::npos ? file : file.substr(at), line);
}

std::string path_text(const std::vector<std::string>& path) {
  std::string text;
  for (const auto& name : path) text += (text.empty() ? "\"" : " > \"") + name + "\"";
  return text;
}

}  // namespace

std::string subcase_suffix(const std::vector<std::string>& path) {
  return path.empty() ? "" : " (subcase " + path_text(path) + ")";
}

std::string failure_details(const TestCaseRecord& record, std::size_t max_failures,
                            const std::string& more_hint) {
  std::string out;
  std::vector<std::string> shown_path;
  bool first = true;
  const auto heading = [&](const std::vector<std::string>& path) {
    if (path == shown_path && !first) return;
    shown_path = path;
    first = false;
    if (!path.empty()) out += fmt::format("{}in subcase {}:\n", kIndent, path_text(path));
  };
  std::size_t shown = 0;
  for (const auto& f : record.failures) {
    if (shown == max_failures) break;
    ++shown;
    heading(f.path);
    const std::string body = std::string(kIndent) + "  ";
    for (const auto& c : f.context) out += indented(c, body);
    if (!f.message.empty()) out += indented(f.message, body);
    if (!f.check.empty()) {
      out += body + f.check + "\n";
      // The public tests write CHECK(a == b) with the code's value on the left and the
      // expected one on the right, so one comparison's values read as got and expected.
      const auto eq = f.values.find(" == ");
      if (!f.threw.empty()) {
        out += body + "  threw: " + f.threw + "\n";
      } else if (eq != std::string::npos && f.values.find(" == ", eq + 4) == std::string::npos) {
        out += body + "  got      " + f.values.substr(0, eq) + "\n";
        out += body + "  expected " + f.values.substr(eq + 4) + "\n";
      } else if (!f.values.empty() && f.values != "false" && f.values != "true") {
        out += body + "  with values: " + f.values + "\n";
      }
    }
    out += body + "at " + where(f.file, f.line) + "\n";
  }
  if (record.failures.size() > shown) {
    out += fmt::format("{}... and {} more failed check{} ({})\n", kIndent,
                       record.failures.size() - shown,
                       record.failures.size() - shown == 1 ? "" : "s", more_hint);
  }
  for (const auto& e : record.escapes) {
    if (e.text.rfind("not implemented", 0) == 0) {  // a stub of the handout: its message says it all
      out += indented(e.text, kIndent);
      continue;
    }
    out += fmt::format("{}an exception left the test{}:\n{}", kIndent, subcase_suffix(e.path),
                       indented(e.text, std::string(kIndent) + "  "));
  }
  return out;
}

std::string notes(const TestCaseRecord& record, std::size_t max_notes) {
  std::string out;
  for (std::size_t i = 0; i < record.messages.size() && i < max_notes; ++i) {
    out += indented(record.messages[i], std::string(kIndent) + "note: ");
  }
  if (record.messages.size() > max_notes) {
    out += fmt::format("{}... and {} more notes\n", kIndent, record.messages.size() - max_notes);
  }
  return out;
}

std::string last_lines(const std::string& output, std::size_t count, const std::string& indent) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const std::size_t from = lines.size() > count ? lines.size() - count : 0;
  std::string out;
  for (std::size_t i = from; i < lines.size(); ++i) out += indent + lines[i] + "\n";
  return out;
}

}  // namespace public_tests
