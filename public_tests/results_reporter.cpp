// The doctest reporter behind the public-test runner: it writes what happens in a test
// case as records (result_channel.hpp) to the file NNKIT_PUBLIC_RESULTS names, and nothing
// to the console, so the runner sees structured results while the student's own output
// (progress lines) stays separate on stdout.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "result_channel.hpp"

namespace {

using json = nlohmann::json;

/// doctest's placeholder while an exception unwinds through a subcase; the translated
/// exception follows once the test case is left, so this one is never shown.
constexpr const char* kUntranslated = "exception thrown in subcase - will translate later";

class ResultsReporter : public doctest::IReporter {
public:
  explicit ResultsReporter(const doctest::ContextOptions& options) : cout_(*options.cout) {
    if (const char* path = std::getenv(public_tests::kResultsFileVariable)) {
      // The runner shows the long runs' progress as it comes: line-buffer stdout, which a
      // pipe would otherwise hold back a few kilobytes at a time.
      std::setvbuf(stdout, nullptr, _IOLBF, 0);
      fd_ = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
      if (fd_ < 0) {
        std::cerr << "nnkit_results: cannot open " << path << ": " << std::strerror(errno) << "\n";
      }
    }
  }
  ~ResultsReporter() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void report_query(const doctest::QueryData& query) override {
    for (unsigned i = 0; i < query.num_data; ++i) {
      write({{"type", "list"}, {"test_case", query.data[i]->m_name},
             {"suite", query.data[i]->m_test_suite}});
    }
  }
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData& test_case) override {
    name_ = test_case.m_name;
    path_.clear();
    unwound_path_.clear();
    write({{"type", "start"}, {"test_case", name_}});
  }
  void test_case_reenter(const doctest::TestCaseData&) override { path_.clear(); }
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    if (crashed_) return;
    write({{"type", "end"}, {"test_case", name_}, {"passed", stats.testCaseSuccess}});
  }
  void test_case_exception(const doctest::TestCaseException& e) override {
    // A crash is reported from doctest's signal handler: allocating there could hang the
    // process, so nothing is written; the runner names the signal from the exit status.
    if (e.is_crash) {
      crashed_ = true;
      return;
    }
    const std::string text = e.error_string.c_str();
    if (text.rfind(kUntranslated, 0) == 0) {
      unwound_path_ = path_;  // where it was thrown; the text comes after unwinding
      return;
    }
    write({{"type", "exception"}, {"path", unwound_path_.empty() ? path_ : unwound_path_},
           {"text", text}});
  }
  void subcase_start(const doctest::SubcaseSignature& subcase) override {
    path_.push_back(subcase.m_name.c_str());
    write({{"type", "subcase"}, {"path", path_}});
  }
  void subcase_end() override {
    if (!path_.empty()) path_.pop_back();
  }
  void log_assert(const doctest::AssertData& a) override {
    if (!a.m_failed || crashed_) return;
    if (a.m_at & doctest::assertType::is_warn) {
      // a WARN: shown, never scored (the full runs compare with NumPy's and torch's this way)
      std::string text = "not scored: " + check_text(a) + " is false";
      if (a.m_threw) text += std::string(" (threw: ") + a.m_exception.c_str() + ")";
      else if (std::string(a.m_decomp.c_str()) != "false") text += std::string(" (") + a.m_decomp.c_str() + ")";
      for (const auto& context : contexts()) text += "\n  " + context;
      write({{"type", "message"}, {"text", text}});
      return;
    }
    json record = {{"type", "failure"}, {"path", path_}, {"file", a.m_file}, {"line", a.m_line},
                   {"check", check_text(a)}};
    if (a.m_threw) record["threw"] = a.m_exception.c_str();
    else record["values"] = a.m_decomp.c_str();
    record["context"] = contexts();
    write(record);
  }
  void log_message(const doctest::MessageData& m) override {
    if (crashed_) return;
    const bool failure = (m.m_severity & doctest::assertType::is_warn) == 0;
    // FAIL_CHECK / FAIL: a failed check whose text is the whole story (check_text.hpp)
    if (failure) {
      write({{"type", "failure"}, {"path", path_}, {"file", m.m_file}, {"line", m.m_line},
             {"message", m.m_string.c_str()}, {"context", json::array()}});
    } else {
      write({{"type", "message"}, {"text", m.m_string.c_str()}});
    }
  }
  void test_case_skipped(const doctest::TestCaseData&) override {}

private:
  /// The active INFO / CAPTURE / CHECK_MESSAGE texts, outermost first.
  static std::vector<std::string> contexts() {
    std::vector<std::string> texts;
    for (int i = 0; i < get_num_active_contexts(); ++i) {
      std::ostringstream text;
      get_active_contexts()[i]->stringify(&text);
      texts.push_back(text.str());
    }
    return texts;
  }

  /// "CHECK(a == b)" as written in the test.
  static std::string check_text(const doctest::AssertData& a) {
    return std::string(doctest::assertString(a.m_at)) + "(" + a.m_expr + ")";
  }

  /// One record, one line, one write(): whole records even if the process dies right after.
  void write(const json& record) {
    std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (fd_ < 0) {
      cout_ << line << std::flush;
      return;
    }
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  std::ostream& cout_;
  int fd_ = -1;
  bool crashed_ = false;
  std::string name_;
  std::vector<std::string> path_, unwound_path_;
};

}  // namespace

REGISTER_REPORTER("nnkit_results", 1, ResultsReporter);
