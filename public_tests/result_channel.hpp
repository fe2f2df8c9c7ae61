// What a public test binary and the public-test runner (runner/) agree on. The runner
// starts the binary once per item with `--reporters=nnkit_results` and the name of a file
// in NNKIT_PUBLIC_RESULTS; the reporter (results_reporter.cpp) appends one JSON object per
// line to it, each written whole as it happens, so the records before a crash survive it:
//   {"type":"list","test_case":T,"suite":S}        one per test case (--list-test-cases)
//   {"type":"start","test_case":T}
//   {"type":"subcase","path":[...]}                 the subcase names entered, outermost first
//   {"type":"failure","path":[...],"file":F,"line":L,"check":C,"values":V,"message":M,
//    "context":[...]}                               one failed CHECK/REQUIRE/FAIL_CHECK
//   {"type":"message","text":M}                     a MESSAGE (a fact worth showing)
//   {"type":"exception","path":[...],"text":M}      an exception left the test case
//   {"type":"end","test_case":T,"passed":B}
#pragma once

namespace public_tests {

/// The environment variable that names the records' file.
inline constexpr const char* kResultsFileVariable = "NNKIT_PUBLIC_RESULTS";

/// The doctest reporter that writes the records (`--reporters=` value).
inline constexpr const char* kResultsReporter = "nnkit_results";

/// Test cases in a doctest TEST_SUITE whose name starts with this share one long run (a
/// static trained once): the runner runs them in one process, so the run happens once.
inline constexpr const char* kSharedRunSuitePrefix = "one run: ";

}  // namespace public_tests
