// Whether a submitted part keeps the handout's given code: see given_code.hpp.
#include "given_code.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace grader {
namespace {

constexpr const char* kOpen = "// >>> YOUR CODE HERE >>>";
constexpr const char* kClose = "// <<< END OF YOUR CODE <<<";

std::string trimmed(const std::string& line) {
  const auto begin = line.find_first_not_of(" \t\r\f\v");
  if (begin == std::string::npos) return "";
  return line.substr(begin, line.find_last_not_of(" \t\r\f\v") - begin + 1);
}

/// A file cut at its regions: the given lines (right-trimmed) between them, and each
/// region's text with the number of its first line.
struct Cut {
  std::vector<std::vector<std::string>> given;  ///< regions + 1 runs of given lines
  struct Region {
    std::string text;
    std::size_t first_line = 0;
  };
  std::vector<Region> regions;
  std::string problem;  ///< a marker out of place
};

Cut cut(const std::string& text) {
  Cut c;
  c.given.emplace_back();
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string t = trimmed(line);
    if (t == kOpen) {
      if (inside && c.problem.empty()) c.problem = fmt::format("line {}: a region opens inside another", number);
      inside = true;
      c.regions.push_back({"", number + 1});
      continue;
    }
    if (t == kClose) {
      if (!inside && c.problem.empty()) c.problem = fmt::format("line {}: a region closes that never opened", number);
      inside = false;
      c.given.emplace_back();
      continue;
    }
    if (inside) {
      c.regions.back().text += line + "\n";
    } else {
      const auto end = line.find_last_not_of(" \t\r\f\v");
      c.given.back().push_back(end == std::string::npos ? "" : line.substr(0, end + 1));
    }
  }
  if (inside && c.problem.empty()) c.problem = "the last region never closes";
  return c;
}

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Why a region's code could reach outside its body ("" when it cannot): C++'s tokens,
/// with comments, string and character literals (prefixed and raw ones too) and numbers
/// (digit separators: 1'000) skipped, backslash-newlines spliced first, and the digraphs
/// <% %> %: read as { } #. Anything it cannot read counts against the region.
std::string region_problem(const std::string& text) {
  std::string code;  // with backslash-newlines spliced (a space in their place)
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && text.compare(i + 1, 1, "\n") == 0) {
      code.push_back(' ');
      i += 1;
    } else if (text[i] == '\\' && text.compare(i + 1, 2, "\r\n") == 0) {
      code.push_back(' ');
      i += 2;
    } else {
      code.push_back(text[i]);
    }
  }
  int depth = 0;
  bool line_start = true;  // only white space so far on this line
  // The literal opening at `quote` (after its prefix): `raw` for R"delim(...)delim".
  // Returns the index of its last character, or npos when it never closes.
  auto literal_end = [&](std::size_t quote, bool raw) -> std::size_t {
    if (raw) {
      const auto paren = code.find('(', quote + 1);
      if (paren == std::string::npos) return std::string::npos;
      std::string close = ")";  // )delim"
      close.append(code, quote + 1, paren - quote - 1).push_back('"');
      const auto end = code.find(close, paren + 1);
      return end == std::string::npos ? end : end + close.size() - 1;
    }
    std::size_t j = quote + 1;
    while (j < code.size() && code[j] != code[quote] && code[j] != '\n') j += code[j] == '\\' ? 2 : 1;
    return j < code.size() && code[j] == code[quote] ? j : std::string::npos;
  };
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char ch = code[i];
    const char next = i + 1 < code.size() ? code[i + 1] : '\0';
    if (ch == '\n') {
      line_start = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(ch))) continue;
    if (ch == '/' && next == '/') {  // to the end of the line
      i = code.find('\n', i);
      if (i == std::string::npos) break;
      --i;
      continue;
    }
    if (ch == '/' && next == '*') {
      const auto end = code.find("*/", i + 2);
      if (end == std::string::npos) return "a comment never closes";
      i = end + 1;
      continue;
    }
    if ((ch == '#' || (ch == '%' && next == ':')) && line_start) return "a preprocessor line";
    line_start = false;
    if (std::isdigit(static_cast<unsigned char>(ch)) ||
        (ch == '.' && std::isdigit(static_cast<unsigned char>(next)))) {  // a pp-number
      std::size_t j = i + 1;
      while (j < code.size()) {
        const char c = code[j];
        const char before = code[j - 1];
        if (identifier_char(c) || c == '.') {
          ++j;
        } else if (c == '\'' && j + 1 < code.size() && identifier_char(code[j + 1])) {
          j += 2;  // a digit separator
        } else if ((c == '+' || c == '-') && (before == 'e' || before == 'E' || before == 'p' || before == 'P')) {
          ++j;
        } else {
          break;
        }
      }
      i = j - 1;
      continue;
    }
    if (identifier_char(ch)) {
      std::size_t j = i;
      while (j < code.size() && identifier_char(code[j])) ++j;
      const std::string word = code.substr(i, j - i);
      if (j < code.size() && (code[j] == '"' || code[j] == '\'')) {
        const bool raw = code[j] == '"' && (word == "R" || word == "u8R" || word == "uR" || word == "UR" || word == "LR");
        const bool prefix = raw || word == "u8" || word == "u" || word == "U" || word == "L";
        if (prefix) {
          const auto end = literal_end(j, raw);
          if (end == std::string::npos) return "a literal never closes";
          i = end;
          continue;
        }
      }
      i = j - 1;
      continue;
    }
    if (ch == '"' || ch == '\'') {
      const auto end = literal_end(i, false);
      if (end == std::string::npos) return "a literal never closes on its line";
      i = end;
      continue;
    }
    if (ch == '{' || (ch == '<' && next == '%')) ++depth;
    if (ch == '}' || (ch == '%' && next == '>')) {
      if (--depth < 0) return "it closes the body it opens in";
    }
    if ((ch == '<' && next == '%') || (ch == '%' && next == '>')) ++i;
  }
  return depth == 0 ? "" : "its braces do not balance";
}

}  // namespace

std::string given_code_difference(const std::string& handout, const std::string& submission) {
  const Cut given = cut(handout);
  const Cut submitted = cut(submission);
  if (!given.problem.empty()) return fmt::format("the handout's regions: {}", given.problem);
  if (!submitted.problem.empty()) return submitted.problem;
  if (submitted.regions.size() != given.regions.size()) {
    return fmt::format("{} student regions, the handout has {}", submitted.regions.size(),
                       given.regions.size());
  }
  for (std::size_t run = 0; run < given.given.size(); ++run) {
    const auto& expected = given.given[run];
    const auto& found = submitted.given[run];
    for (std::size_t k = 0; k < std::max(expected.size(), found.size()); ++k) {
      if (k >= expected.size() || k >= found.size() || expected[k] != found[k]) {
        return fmt::format("the given code differs from the handout's {} ({})",
                           run == 0 ? "before the first region" : fmt::format("after region {}", run),
                           k < found.size() ? fmt::format("\"{}\"", found[k].substr(0, 80)) : "lines missing");
      }
    }
  }
  for (std::size_t r = 0; r < submitted.regions.size(); ++r) {
    const std::string problem = region_problem(submitted.regions[r].text);
    if (!problem.empty()) {
      return fmt::format("the region starting at line {}: {}", submitted.regions[r].first_line, problem);
    }
  }
  return "";
}

}  // namespace grader
