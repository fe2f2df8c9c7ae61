// How the runner words what happened in a test case for the student: each failed check
// with the subcase it was in (the subcase names are the hints), its own explanation
// (expected vs got, from check_text.hpp), the check as written and doctest's values, and
// where it is in the public tests; exceptions with the subcase they left.
#pragma once

#include <cstddef>
#include <string>

#include "records.hpp"

namespace public_tests {

/// The failures and escaped exceptions of `record`, indented under its item line; at most
/// `max_failures` checks, then how many more and `more_hint`.
std::string failure_details(const TestCaseRecord& record, std::size_t max_failures,
                            const std::string& more_hint);

/// The MESSAGE lines of `record` (facts such as the test accuracy) and its failed WARNs,
/// indented as notes; at most `max_notes`.
std::string notes(const TestCaseRecord& record, std::size_t max_notes);

/// The last `count` lines of `output`, each indented with `indent`.
std::string last_lines(const std::string& output, std::size_t count, const std::string& indent);

/// ` (subcase "a" > "b")`, or nothing outside subcases.
std::string subcase_suffix(const std::vector<std::string>& path);

}  // namespace public_tests
