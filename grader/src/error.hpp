#pragma once
/// The grader's own failures (a broken kit, an unreadable rubric, no bubblewrap): these
/// stop grading with a message; a submission's faults never do — they become results.
#include <stdexcept>
#include <string>

namespace grader {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace grader
