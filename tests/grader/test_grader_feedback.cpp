// What the grader's reports say, whatever a submission does (issue 14;
// docs/architecture.md, step 5 and invariants I2, I3):
//   - report_text_*: thousands of random byte strings (seeded) through every report
//     writer — gradescope_results(), junit_xml(), summary_text(), score_table() in both
//     forms, instructor_log() — and text::csv_field(): the output always parses (JSON), is
//     well-formed (XML), is valid UTF-8 without control characters, and is bounded in size.
//   - feedback_*: the real `nnkit-grade grade` on fixtures made from solution/ (hostile.hpp):
//     a hidden case never quotes what its probe threw or printed (the instructor's log
//     does); non-UTF-8 bytes from the compiler, an exception or stderr, and a .cpp of
//     random bytes, still give a valid results.json and JUnit file; an 8 MB exception gives
//     reports of bounded size; a failure of the grader itself is reported as such and keeps
//     the scores of what it graded.
//   - run_autograder_*: Gradescope's run_autograder with a fake nnkit-grade: a grader that
//     fails keeps the student's latest previous score, and never shows its log.
// CTest runs each case on its own (tests/grader/CMakeLists.txt) as grader.<name>.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hostile.hpp"
#include "report.hpp"
#include "text.hpp"

namespace {

using namespace hostile;
namespace text = grader::text;

// ---- checks of a report's text -----------------------------------------------------------

/// Why `s` may not stand in a report ("" when it may): invalid UTF-8, or a character
/// other than \n and \t below U+0020, DEL, C1, U+FFFE or U+FFFF.
std::string text_problem(const std::string& s) {
  if (!text::is_valid_utf8(s)) return "not valid UTF-8";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return fmt::format("control byte {:#x} at {}", c, i);
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return "a C1 control";
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        static_cast<unsigned char>(s[i + 2]) >= 0xBE) {
      return "U+FFFE or U+FFFF";
    }
  }
  return "";
}

/// Why `xml` is not a well-formed document ("" when it is), for what junit_xml writes:
/// valid UTF-8 with only the characters XML 1.0 allows, a declaration, then elements
/// whose tags balance, attributes quoted, every '&' a known entity or character reference.
std::string xml_problem(const std::string& xml) {
  if (auto why = text_problem(xml); !why.empty()) return why;
  std::size_t at = 0;
  const auto fail = [&](const std::string& why) { return fmt::format("{} at byte {}", why, at); };
  const auto reference_ok = [&](std::size_t amp) {
    static const char* const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (const char* e : entities) {
      if (xml.compare(amp, std::strlen(e), e) == 0) return true;
    }
    if (xml.compare(amp, 2, "&#") != 0) return false;
    std::size_t k = amp + 2;
    while (k < xml.size() && std::isdigit(static_cast<unsigned char>(xml[k]))) ++k;
    return k > amp + 2 && k < xml.size() && xml[k] == ';';
  };
  if (xml.rfind("<?xml ", 0) != 0) return "no XML declaration";
  at = xml.find("?>");
  if (at == std::string::npos) return "the declaration does not end";
  at += 2;
  std::vector<std::string> open;
  bool root_seen = false;
  while (at < xml.size()) {
    const char ch = xml[at];
    if (ch == '&') {
      if (!reference_ok(at)) return fail("a bare '&'");
      ++at;
      continue;
    }
    if (ch == '>') return fail("a bare '>'");
    if (ch != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(ch))) return fail("text outside the root");
      ++at;
      continue;
    }
    const bool closing = at + 1 < xml.size() && xml[at + 1] == '/';
    std::size_t k = at + (closing ? 2 : 1);
    const std::size_t name_start = k;
    while (k < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[k])) || xml[k] == '-' || xml[k] == '_')) ++k;
    const std::string name = xml.substr(name_start, k - name_start);
    if (name.empty()) return fail("a tag without a name");
    if (closing) {
      if (open.empty() || open.back() != name) return fail("</" + name + "> closes nothing open");
      open.pop_back();
      if (k >= xml.size() || xml[k] != '>') return fail("a closing tag that does not end");
      at = k + 1;
      continue;
    }
    if (open.empty() && root_seen) return fail("a second root element");
    for (;;) {  // attributes
      while (k < xml.size() && std::isspace(static_cast<unsigned char>(xml[k]))) ++k;
      if (k >= xml.size()) return fail("a tag that does not end");
      if (xml[k] == '>' || xml.compare(k, 2, "/>") == 0) break;
      const std::size_t attribute = k;
      while (k < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[k])) || xml[k] == '-' || xml[k] == '_')) ++k;
      if (k == attribute || xml.compare(k, 2, "=\"") != 0) return fail("an attribute without =\"");
      k += 2;
      while (k < xml.size() && xml[k] != '"') {
        if (xml[k] == '<') return fail("'<' in an attribute");
        if (xml[k] == '&' && !reference_ok(k)) return fail("a bare '&' in an attribute");
        ++k;
      }
      if (k >= xml.size()) return fail("an attribute that does not end");
      ++k;
    }
    root_seen = true;
    if (xml[k] == '>') open.push_back(name);
    at = k + (xml[k] == '>' ? 1 : 2);
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  return root_seen ? "" : "no root element";
}

/// The fields of one CSV record line as a reader sees them; "" problem when it parses.
std::string csv_problem(const std::string& field) {
  if (auto why = text_problem(field); !why.empty()) return why;
  if (field.empty() || field[0] != '"') {
    if (field.find_first_of(",\"\n") != std::string::npos) return "an unquoted , \" or line break";
  } else {
    if (field.size() < 2 || field.back() != '"') return "a quoted field that does not end";
    for (std::size_t i = 1; i + 1 < field.size(); ++i) {
      if (field[i] != '"') continue;
      if (field[i + 1] != '"' || i + 2 == field.size()) return "a lone quote inside a quoted field";
      ++i;
    }
  }
  const std::string first = field.substr(field[0] == '"' ? 1 : 0, 1);
  if (first == "=" || first == "+" || first == "-" || first == "@") return "a spreadsheet formula";
  return "";
}

// ---- random reports ----------------------------------------------------------------------

/// Random byte strings that reach every corner of UTF-8: ASCII, controls, XML and CSV
/// specials, valid multi-byte characters (cut or whole), lone continuation bytes, overlong
/// forms, surrogates, U+FFFE, bytes above F4.
class Bytes {
 public:
  explicit Bytes(std::uint64_t seed) : rng_(seed) {}

  std::string operator()(std::size_t max_length) {
    const std::size_t length = std::uniform_int_distribution<std::size_t>(0, max_length)(rng_);
    static const std::vector<std::string> pieces = {
        "a", "Z", " ", "\n", "\t", "\r", "\r\n", "\x1b[31m", std::string(1, '\0'), "\x7f",
        "<", ">", "&", "\"", "'", "|", ",", "]]>", "&amp;", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9d\x84\x9e", "\xc3", "\xe2\x82", "\xf0\x9d\x84", "\x80", "\xbf", "\xc0\x80",
        "\xe0\x80\x80", "\xed\xa0\x80", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xf4\x90\x80\x80",
        "\xf5", "\xff", "\xc2\x85", "\xc2\xa0", "nnkit grader: ", "GRADER ERROR: "};
    std::string out;
    while (out.size() < length) {
      if (coin(3)) {
        out += static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng_));
      } else {
        out += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng_)];
      }
    }
    return out;
  }
  bool coin(int one_in) { return std::uniform_int_distribution<int>(0, one_in - 1)(rng_) == 0; }
  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

 private:
  std::mt19937_64 rng_;
};

/// A report whose every string is random: rubric text (names, checks, ids), messages,
/// compiler output, notes, the instructor's log, the submission's name.
struct RandomReport {
  std::vector<grader::Item> items;
  grader::GradeReport report;

  RandomReport(Bytes& bytes, std::size_t big) {
    items.resize(1 + bytes.below(3));
    for (auto& item : items) {
      item.number = bytes(8);
      item.name = bytes(40);
      item.part = bytes(12);
      item.cases.resize(1 + bytes.below(3));
      for (auto& c : item.cases) {
        c.id = bytes(30);
        c.checks = bytes(80);
        c.suite = bytes.coin(2) ? grader::Suite::Public : grader::Suite::Hidden;
        c.points = static_cast<double>(bytes.below(4)) / 2;
      }
    }
    auto& r = report;
    r.submission = bytes(60);
    // a checkpoint, a budget that ran out: every sentence the reports can say
    r.finished = !bytes.coin(3);
    r.budget_seconds = bytes.coin(2) ? 540 : 0;
    r.budget_ran_out = r.budget_seconds > 0 && bytes.coin(2);
    r.suite = bytes.coin(4) ? bytes(10) : "all";
    for (std::size_t p = bytes.below(4); p-- > 0;) {
      grader::PartResult part;
      part.part = bytes(12);
      part.file = bytes(20);
      if (bytes.coin(3)) part.intake_problem = bytes(big);
      part.build.ok = bytes.coin(2);
      part.build.failure = bytes(200);
      part.build.compiler_output = bytes(big);
      r.parts.push_back(part);
    }
    for (const auto& item : items) {
      for (const auto& c : item.cases) {
        grader::CaseResult result{&item, &c, 0, bytes.coin(2), !bytes.coin(5), bytes(big)};
        result.why_not = static_cast<grader::NotGraded>(bytes.below(3));
        result.score = result.passed ? c.points : 0;
        r.score += result.score;
        r.max_score += c.points;
        r.cases.push_back(result);
      }
    }
    for (std::size_t n = bytes.below(3); n-- > 0;) {
      r.test_accuracy.push_back({bytes(10), bytes(20), 0.5, 0.8, 200, bytes.coin(2)});
    }
    for (std::size_t n = bytes.below(30); n-- > 0;) r.notes.push_back(bytes(big / 4));
    for (std::size_t n = bytes.coin(3) ? bytes.below(8) : 0; n-- > 0;) r.grader_errors.push_back(bytes(100));
    for (std::size_t n = bytes.below(4); n-- > 0;) r.instructor_log.push_back(bytes(big));
    r.seconds = 12.3;
  }
};

/// The most a report may hold for `report`: per case its message and name, per part its
/// compiler output, the notes and errors, whatever the strings were (×6: escaping).
std::size_t report_bound(const grader::GradeReport& report) {
  const std::size_t per_case = text::kCaseTextBytes + 3 * 512 + 64 * 3 + 256;
  const std::size_t per_part = text::kCompilerOutputBytes + text::kCaseTextBytes + 2 * 512 + 256;
  const std::size_t fixed = 21 * (text::kNoteBytes + 64) + 6 * 600 + 3 * 600 + 4096;
  return 6 * (report.cases.size() * per_case + report.parts.size() * per_part + fixed);
}

}  // namespace

// ---- the text functions ----------------------------------------------------------------------

TEST_CASE("report_text_sanitize_and_cut") {
  const std::string fffd = "\xef\xbf\xbd";
  // Unicode's "maximal subpart" replacement: one U+FFFD per ill-formed subpart.
  CHECK(text::sanitize("a\xc0\x80z") == "a" + fffd + fffd + "z");          // overlong
  CHECK(text::sanitize("\xe0\x80\x80") == fffd + fffd + fffd);              // overlong
  CHECK(text::sanitize("\xed\xa0\x80") == fffd + fffd + fffd);              // a surrogate
  CHECK(text::sanitize("\xf4\x90\x80\x80") == fffd + fffd + fffd + fffd);   // above U+10FFFF
  CHECK(text::sanitize("caf\xe9!") == "caf" + fffd + "!");                   // Latin-1
  CHECK(text::sanitize("\xe2\x82") == fffd);                                 // € cut short
  CHECK(text::sanitize("\xe2\x82x") == fffd + "x");
  CHECK(text::sanitize("\xef\xbf\xbe") == fffd);                             // U+FFFE
  CHECK(text::sanitize("a\r\nb\rc\x1b[0m\x7f\xc2\x85") == "a\nb" + fffd + "c" + fffd + "[0m" + fffd + fffd);
  CHECK(text::sanitize(std::string("x\0y", 3)) == "x" + fffd + "y");
  const std::string fine = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\ttab\nline";
  CHECK(text::sanitize(fine) == fine);

  // cut() keeps whole characters only, and says what it left out
  const std::string euros = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";  // 9 bytes
  CHECK(text::cut(euros, 9) == euros);
  CHECK(text::cut(euros, 8) == "\xe2\x82\xac\xe2\x82\xac [... 3 more bytes cut]");
  CHECK(text::cut(euros, 2) == " [... 9 more bytes cut]");
  CHECK(text::first_line("one\ntwo", 100) == "one");
  CHECK(text::one_line("a\nb\tc", 100) == "a b c");
  CHECK(text::quoted_lines("a\nb", "  | ") == "  | a\n  | b\n");

  CHECK(text::xml_escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  CHECK(text::xml_attribute("a\nb\tc") == "a&#10;b&#9;c");
  CHECK(text::csv_field("plain") == "plain");
  CHECK(text::csv_field("a,b") == "\"a,b\"");
  CHECK(text::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(text::csv_field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(text::csv_field("\xff") == fffd);

  // the checks below catch what they must (a check that passes everything proves nothing)
  const std::string decl = "<?xml version=\"1.0\"?>\n";
  CHECK(xml_problem(decl + "<a x=\"1\"><b>t &amp; &#10;</b><c/></a>\n").empty());
  for (const std::string& bad : {decl + "<a><b></a>", decl + "<a>&</a>", decl + "<a>\x01</a>",
                                decl + "<a x=\"<\"/>", decl + "<a>\xff</a>", decl + "<a/><b/>",
                                decl + "<a>\xef\xbf\xbe</a>", decl + "<a>"}) {
    CHECK_MESSAGE(!xml_problem(bad).empty(), bad);
  }
  CHECK(!csv_problem("a,b").empty());
  CHECK(!csv_problem("\"a\"b\"").empty());
  CHECK(!csv_problem("=1+1").empty());
  CHECK(!text_problem("a\rb").empty());
  CHECK(!text_problem("\xc2\x9b").empty());
}

TEST_CASE("report_text_random_bytes_always_give_valid_bounded_reports") {
  Bytes bytes(14);   // seeded: the same strings on every run
  constexpr int kRounds = 3000;
  std::size_t largest_input = 0, largest_output = 0;
  for (int round = 0; round < kRounds; ++round) {
    // now and then a string of 256 KiB, as a flood of output would be
    const std::size_t big = round % 100 == 0 ? (256u << 10) : 3000;
    RandomReport random(bytes, big);
    const grader::GradeReport& report = random.report;
    const std::size_t bound = report_bound(report);
    INFO("round " << round);

    const std::string results = grader::json_text(grader::gradescope_results(report));
    nlohmann::json parsed;
    REQUIRE_NOTHROW(parsed = nlohmann::json::parse(results));
    CHECK(parsed.at("tests").size() == report.cases.size());
    CHECK(parsed.at("grader_error").get<bool>() == report.grader_error());
    CHECK(results.size() <= bound);
    const std::string xml = grader::junit_xml(report);
    const std::string why = xml_problem(xml);
    CHECK_MESSAGE(why.empty(), "JUnit XML: " << why);
    CHECK(xml.size() <= bound);
    for (const std::string& out : {grader::summary_text(report), grader::score_table(report, false),
                                   grader::score_table(report, true), grader::instructor_log(report)}) {
      const std::string problem = text_problem(out);
      CHECK_MESSAGE(problem.empty(), problem);
    }
    CHECK(grader::summary_text(report).size() <= bound);
    CHECK(grader::score_table(report, true).size() <= bound);
    // the instructor's log keeps more, but is bounded by what the grader put in it
    std::size_t logged = 0;
    for (const auto& entry : report.instructor_log) logged += 3 * entry.size() + 1;
    CHECK(grader::instructor_log(report).size() <= logged + 1024);
    if (report.grader_error()) {
      CHECK(parsed.at("output").get<std::string>().find("grading failed — not your code") != std::string::npos);
    }
    for (int k = 0; k < 5; ++k) {
      const std::string field = text::csv_field(bytes(200));
      const std::string problem = csv_problem(field);
      CHECK_MESSAGE(problem.empty(), "CSV field " << field << ": " << problem);
    }
    for (const auto& c : report.cases) largest_input = std::max(largest_input, c.message.size());
    largest_output = std::max(largest_output, results.size());
  }
  MESSAGE(kRounds << " random reports; largest message " << largest_input << " bytes, largest results.json "
                  << largest_output << " bytes");
}

// ---- the real nnkit-grade ----------------------------------------------------------------------

namespace {

/// One `nnkit-grade grade` with every report written: results.json, JUnit, the
/// instructor's log (--log).
struct Graded {
  int exit_status = -1;
  std::string out, err, results, junit, log;
  json parsed;                       ///< results.json (null when it does not parse)
  std::string parse_problem;
};

/// Grades `fixture` on `items`; `before_exec` runs in the child, as the grading process,
/// right before nnkit-grade starts (with the pid it will have).
Graded grade_with_reports(const fs::path& fixture, const std::vector<std::string>& items,
                          const std::function<void()>& before_exec = {}) {
  const fs::path base = paths().work / "feedback" / fixture.filename();
  fs::create_directories(base);
  const fs::path results = base / "results.json", junit = base / "junit.xml", log = base / "instructor.log",
                 out = base / "stdout", err = base / "stderr";
  for (const auto& file : {results, junit, log}) fs::remove(file);
  const std::vector<std::string> args = {
      paths().grader.string(), "grade", fixture.string(), "--items", fmt::format("{}", fmt::join(items, ",")),
      "--results", results.string(), "--junit", junit.string(), "--log", log.string(),
      "--cache", paths().cache().string(), "--kit", paths().kit.string(), "--threads", "1"};
  MESSAGE(fmt::format("{}", fmt::join(args, " ")));
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (before_exec) before_exec();
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Graded g;
  if (WIFEXITED(status)) g.exit_status = WEXITSTATUS(status);
  g.out = read_text(out);
  g.err = read_text(err);
  g.results = read_text(results);
  g.junit = read_text(junit);
  g.log = read_text(log);
  try {
    g.parsed = json::parse(g.results);
  } catch (const std::exception& e) {
    g.parse_problem = e.what();
  }
  return g;
}

/// Every report was written and is valid, whatever the fixture did: exit status 0,
/// results.json parses, the JUnit file is well-formed, both at most `bound` bytes.
void check_reports(const Graded& g, std::size_t bound = 200 << 10) {
  CHECK_MESSAGE(g.exit_status == 0, "nnkit-grade exited with " << g.exit_status << "; stderr:\n"
                                                               << g.err.substr(0, 4000));
  REQUIRE_MESSAGE(g.parse_problem.empty(), "results.json: " << g.parse_problem);
  REQUIRE(g.parsed.is_object());
  const std::string why = xml_problem(g.junit);
  CHECK_MESSAGE(why.empty(), "JUnit XML: " << why);
  CHECK(text::is_valid_utf8(g.log));
  CHECK(g.results.size() < bound);
  CHECK(g.junit.size() < bound);
  MESSAGE(fmt::format("results.json {} bytes, JUnit {} bytes, instructor's log {} bytes", g.results.size(),
                      g.junit.size(), g.log.size()));
}

/// results.json's test of case `id` (the tests are in rubric order).
const json& test_of(const Graded& g, const std::vector<std::string>& items, const std::string& id) {
  const auto cases = rubric_cases(items);
  const auto& tests = g.parsed.at("tests");
  REQUIRE(tests.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].id == id) return tests[i];
  }
  FAIL("no case " << id);
  return tests[0];
}

/// Every case of `items` passed with its points.
void check_items_pass(const Graded& g, const std::vector<std::string>& all,
                      const std::vector<std::string>& passing) {
  for (const auto& c : rubric_cases(all)) {
    if (std::find(passing.begin(), passing.end(), c.item) == passing.end()) continue;
    const json& t = test_of(g, all, c.id);
    INFO("case " << c.id << ": " << t.dump());
    CHECK(t.value("status", "") == "passed");
    CHECK(t.value("score", -1.0) == doctest::Approx(c.points));
  }
}

/// Student-visible text of results.json: the top-level output and every test's name and output.
std::string student_visible(const json& results) {
  std::string all = results.value("output", "");
  for (const auto& t : results.at("tests")) all += "\n" + t.value("name", "") + "\n" + t.value("output", "");
  return all;
}

/// A fixture's file replaced by `bytes` (written only when they change: the build cache
/// keeps hitting).
void replace_file(const fs::path& file, const std::string& bytes) {
  if (read_text(file) != bytes) std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("feedback_hidden_case_never_quotes_the_submission") {
  // Only the hidden probe of 1.2 (the one that calls _relu on a 3-d array) throws, with
  // a marker and its own command line — the hidden probe's id, as the attack that read
  // out the hidden suite did — and prints both on stdout and stderr first.
  const Fixture leak{"hidden_leak", "solution", {{"numpy_ann", "1.2", R"(
  if (z.dimension() == 3) {
    std::string id;
    if (std::FILE* f = std::fopen("/proc/self/cmdline", "rb")) {
      char buffer[256] = {};
      const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, f);
      std::fclose(f);
      for (std::size_t i = 0; i < n; ++i) id += buffer[i] ? buffer[i] : ' ';
    }
    std::string marker = "nnkit-";
    marker += "hidden-";
    marker += "leak";
    std::printf("%s on stdout: %s\n", marker.c_str(), id.c_str());
    std::fprintf(stderr, "%s on stderr: %s\n", marker.c_str(), id.c_str());
    std::fflush(stdout);
    throw std::runtime_error(marker + " in the exception: " + id);
  }
  return xt::maximum(z, 0.0);)"}},
                     {{"numpy_ann", "#include <cstdio>\n#include <stdexcept>\n#include <string>"}}};
  const std::vector<std::string> items = {"1.2", "1.4", "2.2"};
  const Graded g = grade_with_reports(write_fixture(leak), items);
  check_reports(g);
  const json& hidden = test_of(g, items, "1.2.hidden.random");
  INFO("hidden case: " << hidden.dump());
  CHECK(hidden.value("status", "") == "failed");
  CHECK(hidden.value("output", "").find("threw an exception (its text is kept for the instructor)") !=
        std::string::npos);
  check_items_pass(g, items, {"1.4", "2.2"});
  CHECK(test_of(g, items, "1.2.public.doc_example").value("status", "") == "passed");

  const std::string marker = "nnkit-hidden-leak";
  const std::string visible = student_visible(g.parsed);
  CHECK_MESSAGE(visible.find(marker) == std::string::npos, visible);
  CHECK(visible.find("1.2.random") == std::string::npos);
  CHECK(g.results.find(marker) == std::string::npos);   // nowhere in results.json at all
  CHECK(g.results.find("1.2.random") == std::string::npos);
  CHECK(g.junit.find(marker) == std::string::npos);
  // ... and the instructor's log has all three, with the probe's id
  INFO("instructor's log:\n" << g.log);
  CHECK(g.log.find(marker + " in the exception: /probe/probe 1.2.random") != std::string::npos);
  CHECK(g.log.find(marker + " on stdout") != std::string::npos);
  CHECK(g.log.find(marker + " on stderr") != std::string::npos);
}

TEST_CASE("feedback_latin1_compiler_output_gives_valid_reports") {
  // A compile error on a line with a Latin-1 comment: g++ quotes the line, byte 0xE9 and all.
  const Fixture latin1{"latin1_compile_error", "solution",
                       {{"pytorch_ann", "2.2", "  return model(X) * hostile_undeclared; // caf\xe9 na\xefve"}}, {}};
  const std::vector<std::string> items = {"1.2", "2.2", "3.1"};
  const Graded g = grade_with_reports(write_fixture(latin1), items);
  check_reports(g);
  const std::string output = g.parsed.value("output", "");
  INFO("output:\n" << output);
  CHECK(output.find("pytorch_ann.cpp does not compile") != std::string::npos);
  CHECK(output.find("hostile_undeclared") != std::string::npos);   // invariant I4
  CHECK(output.find("caf\xef\xbf\xbd na\xef\xbf\xbdve") != std::string::npos);  // U+FFFD for each byte
  check_items_pass(g, items, {"1.2", "3.1"});
}

TEST_CASE("feedback_multibyte_character_at_the_cut_gives_valid_reports") {
  // Both probes of 1.2 throw 12 KB of 2-, 3- and 4-byte characters: wherever a message is
  // cut, it is inside one of them unless the cut respects character boundaries.
  const Fixture multibyte{"multibyte_exception", "solution", {{"numpy_ann", "1.2", R"(
  std::string message = "x";
  while (message.size() < 12000) message += "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
  throw std::runtime_error(message);)"}},
                          {{"numpy_ann", "#include <stdexcept>\n#include <string>"}}};
  const std::vector<std::string> items = {"1.2", "1.4", "2.2"};
  const Graded g = grade_with_reports(write_fixture(multibyte), items);
  check_reports(g);
  const json& shown = test_of(g, items, "1.2.public.doc_example");
  const std::string message = shown.value("output", "");
  CHECK(message.find("threw an exception: x\xc3\xa9\xe2\x82\xac") != std::string::npos);
  CHECK(message.find("more bytes cut]") != std::string::npos);
  CHECK(message.size() <= text::kCaseTextBytes + text::kCutMarkerBytes);
  check_items_pass(g, items, {"1.4", "2.2"});
}

TEST_CASE("feedback_raw_bytes_on_stderr_give_valid_reports") {
  // The probe's "terminate called" line on stderr is quoted in a public case's message.
  const Fixture raw{"raw_stderr", "solution", {{"numpy_ann", "1.2", R"(
  std::fputs("terminate called after \xff\xfe\xc3 raw \x1b[31m bytes\n", stderr);
  std::fflush(stderr);
  std::abort();)"}},
                    {{"numpy_ann", "#include <cstdio>\n#include <cstdlib>"}}};
  const std::vector<std::string> items = {"1.2", "1.4", "2.2"};
  const Graded g = grade_with_reports(write_fixture(raw), items);
  check_reports(g);
  const std::string message = test_of(g, items, "1.2.public.doc_example").value("output", "");
  INFO(message);
  CHECK(message.find("SIGABRT") != std::string::npos);
  CHECK(test_of(g, items, "1.2.hidden.random").value("status", "") == "failed");
  check_items_pass(g, items, {"1.4", "2.2"});
}

TEST_CASE("feedback_probe_posing_as_a_sandbox_failure_is_charged_to_its_case") {
  // What bubblewrap and the grader print when the sandbox cannot start, and their exit
  // statuses: a submission that imitates them must not pass its crash off as the
  // grader's failure (no "grader_error", no kept previous score on Gradescope).
  const Fixture fake{"fake_sandbox_failure", "solution",
                     {{"numpy_ann", "1.2", R"(
  std::fputs("bwrap: Can't mount proc on /newroot/proc: Operation not permitted\n", stderr);
  std::fflush(stderr);
  std::_Exit(1);)"},
                      {"numpy_ann", "1.4", R"(
  std::fputs("sandbox: cannot run /usr/bin/bwrap: No such file or directory\n", stderr);
  std::fflush(stderr);
  std::_Exit(127);)"}},
                     {{"numpy_ann", "#include <cstdio>\n#include <cstdlib>"}}};
  const std::vector<std::string> items = {"1.2", "1.4", "2.2"};
  const Graded g = grade_with_reports(write_fixture(fake), items);
  check_reports(g);
  INFO("results.json:\n" << g.results.substr(0, 6000));
  CHECK_FALSE(g.parsed.value("grader_error", true));
  CHECK(g.parsed.value("output", "").find("not your code") == std::string::npos);
  CHECK(test_of(g, items, "1.2.public.doc_example").value("status", "") == "failed");
  CHECK(test_of(g, items, "1.4.public.doc_example").value("status", "") == "failed");
  CHECK(g.log.find("GRADER ERROR") == std::string::npos);
  check_items_pass(g, items, {"2.2"});
}

TEST_CASE("feedback_random_bytes_as_a_source_file_give_valid_reports") {
  const Fixture base{"random_source", "solution", {}, {}};
  const fs::path dir = write_fixture(base);
  std::mt19937 rng(1414);
  std::string noise(8192, ' ');
  for (char& ch : noise) ch = static_cast<char>(std::uniform_int_distribution<int>(1, 255)(rng));
  replace_file(dir / "numpy_ann.cpp", noise);
  const std::vector<std::string> items = {"1.2", "2.2", "3.1"};
  const Graded g = grade_with_reports(dir, items);
  check_reports(g);
  CHECK(g.parsed.value("output", "").find("numpy_ann.cpp does not compile") != std::string::npos);
  CHECK(test_of(g, items, "1.2.public.doc_example").value("status", "") == "failed");
  check_items_pass(g, items, {"2.2", "3.1"});
}

TEST_CASE("feedback_8_MB_exception_gives_bounded_reports") {
  // XML and JSON specials in every byte pair, so that escaping multiplies whatever is kept.
  const Fixture huge{"huge_exception", "solution", {{"numpy_ann", "1.2", R"(
  std::string message;
  message.reserve(std::size_t{8} << 20);
  while (message.size() < (std::size_t{8} << 20)) message += "<&\"\n";
  throw std::runtime_error(message);)"}},
                     {{"numpy_ann", "#include <stdexcept>\n#include <string>"}}};
  const std::vector<std::string> items = {"1.2", "1.4", "2.2"};
  const Graded g = grade_with_reports(write_fixture(huge), items);
  check_reports(g, 200 << 10);
  CHECK(g.log.size() < (200u << 10));
  CHECK(test_of(g, items, "1.2.public.doc_example").value("status", "") == "failed");
  check_items_pass(g, items, {"1.4", "2.2"});
}

TEST_CASE("feedback_grader_failure_is_not_the_students_zero") {
  // The grader itself fails after part 1 is graded: a plain file stands where its work
  // folder wants the probe output folders of part 2 (as a full or broken disk would make
  // it fail), so every probe of pytorch_ann throws inside the grader.
  const Fixture same{"grader_failure", "solution", {}, {}};
  const std::vector<std::string> items = {"1.2", "2.2", "3.1"};
  const fs::path cache = paths().cache();
  const Graded g = grade_with_reports(write_fixture(same), items, [cache] {
    const fs::path out = cache / "work" / std::to_string(getpid()) / "out";
    fs::create_directories(out);
    std::ofstream(out / "pytorch_ann") << "not a folder\n";
  });
  check_reports(g);
  INFO("results.json:\n" << g.results.substr(0, 6000));
  CHECK(g.parsed.value("grader_error", false));
  const std::string output = g.parsed.value("output", "");
  CHECK(output.rfind("nnkit grader: ", 0) == 0);
  CHECK(output.find("grading failed — not your code") != std::string::npos);
  check_items_pass(g, items, {"1.2", "3.1"});   // before and after the failure
  double expected = 0;
  for (const auto& c : rubric_cases(items)) {
    const json& t = test_of(g, items, c.id);
    if (c.item == "2.2") {
      CHECK(t.value("output", "").find("not graded: grader error") != std::string::npos);
      CHECK(t.value("score", -1.0) == 0.0);
    } else {
      expected += c.points;
    }
  }
  CHECK(g.parsed.value("score", -1.0) == doctest::Approx(expected));
  CHECK(g.junit.find("<error message=\"not graded: grader error") != std::string::npos);
  CHECK(g.log.find("GRADER ERROR: could not run a probe of pytorch_ann.cpp") != std::string::npos);
  CHECK(g.out.find("NOT GRADED") != std::string::npos);
  CHECK(g.out.find("GRADER ERROR") != std::string::npos);
}

// ---- run_autograder ----------------------------------------------------------------------------

namespace {

/// A folder laid out like /autograder, with run_autograder and a fake nnkit-grade that
/// lists the manifest's files and then does what $FAKE_GRADE says: `fail` (exit 3, a
/// hidden probe's exception on stderr before its error line), `partial` (a results.json
/// with "grader_error": true and 2 points), `ok` (3 points, no error).
struct Autograder {
  fs::path root = paths().work / "run_autograder";

  Autograder() {
    fs::remove_all(root);
    fs::create_directories(root / "source/build/bin");
    fs::create_directories(root / "submission");
    std::string files;
    const json manifest = json::parse(read_text(paths().kit / "manifest.json"));
    for (const auto& part : manifest.at("parts")) {
      files += part.at("file").get<std::string>() + "\\n";
      std::ofstream(root / "submission" / part.at("file").get<std::string>()) << "// a part\n";
    }
    const fs::path fake = root / "source/build/bin/nnkit-grade";
    std::ofstream(fake) << fmt::format(R"(#!/bin/sh
# fake nnkit-grade (tests/grader/test_grader_feedback.cpp)
case "$1" in
  files) printf '{}' ;;
  grade)
    while [ $# -gt 0 ]; do
      case "$1" in --results) results=$2 ;; --log) log=$2 ;; esac
      shift
    done
    echo "submission: numpy_ann probe 1.2.random: threw an exception: nnkit-fake-leak" >&2
    printf 'numpy_ann probe 1.2.random (hidden): nnkit-fake-leak\n' > "$log"
    case "$FAKE_GRADE" in
      fail) echo "nnkit-grade: cannot read /autograder/source/build/grader-kit/kit.json" >&2; exit 3 ;;
      partial) printf '{{"score": 2, "output": "nnkit grader: 2 / 5 points\\ngrading failed — not your code\\n", "grader_error": true, "tests": [{{"name": "a", "score": 2, "max_score": 2, "status": "passed", "output": ""}}, {{"name": "b", "score": 0, "max_score": 3, "status": "failed", "output": "not graded: grader error"}}]}}\n' > "$results" ;;
      ok) printf '{{"score": 3, "output": "nnkit grader: 3 / 5 points\\n", "grader_error": false, "tests": [{{"name": "a", "score": 3, "max_score": 5, "status": "failed", "output": ""}}]}}\n' > "$results" ;;
    esac ;;
esac
)",
                                       files);
    fs::permissions(fake, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  }

  /// Writes submission_metadata.json with these previous scores (time order as given).
  void previous(const std::vector<double>& scores) const {
    json previous = json::array();
    for (std::size_t i = 0; i < scores.size(); ++i) {
      previous.push_back({{"submission_time", fmt::format("2026-01-0{}T10:00:00.000000-07:00", i + 1)},
                          {"score", scores[i]},
                          {"results", {{"score", scores[i]}, {"tests", json::array()}}}});
    }
    // the latest is not the last in the file: run_autograder must sort by time
    std::reverse(previous.begin(), previous.end());
    std::ofstream(root / "submission_metadata.json")
        << json{{"id", 1}, {"previous_submissions", previous}}.dump(2);
  }

  /// Runs run_autograder; returns its stdout (Gradescope's instructor-only "stdout").
  std::string run(const std::string& mode, json& results) const {
    fs::remove_all(root / "results");
    const std::string command = fmt::format(
        "cd '{0}' && AUTOGRADER_ROOT='{0}' FAKE_GRADE={1} bash '{2}' > '{0}/stdout' 2>&1", root.string(), mode,
        (paths().source / "tools/gradescope/run_autograder").string());
    CHECK(std::system(command.c_str()) == 0);
    results = json::parse(read_text(root / "results/results.json"));
    return read_text(root / "stdout");
  }
};

}  // namespace

TEST_CASE("run_autograder_keeps_the_previous_score_when_the_grader_fails") {
  REQUIRE_MESSAGE(std::system("command -v jq > /dev/null") == 0, "jq is needed (make deps installs it)");
  const Autograder autograder;
  json results;

  // No previous submission: score 0, said to be the grader's failure, not the student's.
  std::string stdout_text = autograder.run("fail", results);
  INFO("stdout:\n" << stdout_text << "\nresults.json:\n" << results.dump(2));
  CHECK(results.value("score", -1.0) == 0.0);
  CHECK(results.value("grader_error", false));
  std::string output = results.value("output", "");
  CHECK(output.find("grading failed — not your code") != std::string::npos);
  CHECK(output.find("cannot read /autograder/source/build/grader-kit/kit.json") != std::string::npos);
  CHECK(output.find("scores 0 for now") != std::string::npos);
  CHECK(results.dump().find("nnkit-fake-leak") == std::string::npos);   // the log stays out
  CHECK(stdout_text.find("nnkit-fake-leak") != std::string::npos);      // ... and in stdout
  CHECK(stdout_text.find("GRADER ERROR") != std::string::npos);

  // The latest previous submission (by time) scored 17.5: the failure keeps it.
  autograder.previous({30, 17.5});
  stdout_text = autograder.run("fail", results);
  CHECK(results.value("score", -1.0) == doctest::Approx(17.5));
  output = results.value("output", "");
  CHECK(output.find("grading failed — not your code") != std::string::npos);
  CHECK(output.find("latest previous submission, 17.5 points") != std::string::npos);
  CHECK(results.dump().find("nnkit-fake-leak") == std::string::npos);

  // Some cases graded, some not: the tests stay, the top-level score is the previous one.
  autograder.run("partial", results);
  CHECK(results.value("score", -1.0) == doctest::Approx(17.5));
  CHECK(results.at("tests").size() == 2);
  CHECK(results.at("tests")[0].value("score", -1.0) == doctest::Approx(2));
  CHECK(results.value("output", "").find("17.5 points") != std::string::npos);

  // A grading without a grader error is the grade, whatever came before.
  autograder.run("ok", results);
  CHECK(results.value("score", -1.0) == doctest::Approx(3));
  CHECK(results.value("output", "").find("previous") == std::string::npos);
}
