// Reading the records a public test binary's "nnkit_results" reporter wrote
// (result_channel.hpp) back into what happened to each test case.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace public_tests {

/// One failed check.
struct Failure {
  std::vector<std::string> path;     ///< the subcases it was in: the hints
  std::string file;
  int line = 0;
  std::string check;                 ///< "CHECK(a == b)"; empty for FAIL_CHECK
  std::string values;                ///< doctest's "1 == 2"
  std::string threw;                 ///< the exception a CHECK's expression threw
  std::string message;               ///< FAIL_CHECK's text
  std::vector<std::string> context;  ///< CHECK_MESSAGE's text, CAPTURE'd values
};

/// An exception that left the test case.
struct Escape {
  std::vector<std::string> path;
  std::string text;
};

/// What one test case did, as far as the records go.
struct TestCaseRecord {
  std::string name;
  std::string suite;                 ///< from the listing
  bool started = false;
  bool ended = false;
  bool passed = false;
  std::vector<std::string> last_path;  ///< the subcase last entered (where a crash happened)
  std::vector<Failure> failures;
  std::vector<Escape> escapes;
  std::vector<std::string> messages;
};

/// The test cases the file's records mention, in their order. Lines that are not records
/// (a half line from a killed process) are skipped.
std::vector<TestCaseRecord> read_records(const std::filesystem::path& file);

}  // namespace public_tests
