// Runs one test binary as a child process with a deadline: its own process group (so a
// timeout or Ctrl-C stops it and whatever it started, gnuplot included), stdout and stderr
// on one pipe, read as they come. POSIX only (fork/exec/poll): Linux, macOS, WSL.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace public_tests {

/// How a child process ended.
struct ChildOutcome {
  bool started = false;     ///< false: it could not be started (`output` says why)
  bool timed_out = false;   ///< killed at the deadline
  int signal = 0;           ///< the signal that ended it, 0 when it exited
  int exit_code = 0;        ///< its exit status, when it exited
  std::string output;       ///< stdout and stderr, interleaved as written
  double seconds = 0.0;     ///< wall time
};

/// Runs `argv` with `env` added to this process's environment and waits at most
/// `timeout_s` seconds (0: no limit). `on_output` (if set) sees the output as it arrives.
ChildOutcome run_child(const std::vector<std::string>& argv,
                       const std::vector<std::pair<std::string, std::string>>& env,
                       double timeout_s,
                       const std::function<void(const std::string&)>& on_output = {});

/// "SIGSEGV", "SIGABRT", ...; "signal 42" for one without a usual name.
std::string signal_name(int signal);

/// "SIGSEGV (segmentation fault: an invalid memory access, e.g. an index out of range)".
std::string signal_text(int signal);

}  // namespace public_tests
