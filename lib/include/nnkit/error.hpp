#pragma once
/// nnkit's one exception type. Every bad input (a corrupt data file, a shape that
/// does not fit, an argument out of range) throws nnkit::Error with a message that
/// names the culprit, what was expected and, where it helps, how to fix it.
#include <stdexcept>
#include <string>

namespace nnkit {

/// Thrown by every nnkit function on bad input; `what()` is meant for a student to read.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace nnkit
