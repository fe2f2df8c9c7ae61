#pragma once
/// Runs one untrusted command — a compile, a link or a probe — inside bubblewrap with
/// resource limits, and captures what it printed (docs/architecture.md, step 3).
///
/// What the sandboxed process gets: new user, PID, network, IPC, UTS and cgroup
/// namespaces (no network at all); a read-only /usr and /etc; a fresh /proc, a minimal
/// /dev and a private /tmp; /usr/share/datasets hidden; exactly the binds the caller
/// lists; no capabilities, no new privileges, its own session (no terminal injection);
/// an unprivileged uid (when the grader runs as root it drops to a uid of its own before
/// starting bubblewrap, so the process limit counts only the sandbox's processes).
/// Limits: CPU seconds, address space, processes+threads, file size, open files, no core
/// dumps, and a wall-clock timeout after which the whole process group is SIGKILLed;
/// with --unshare-pid and --die-with-parent, nothing started inside survives it.
/// Output is captured to `output_cap` bytes per stream; the rest is read and dropped.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grader {

struct SandboxLimits {
  double wall_seconds = 60;
  long cpu_seconds = 120;
  std::size_t address_space_bytes = std::size_t{3} << 30;   ///< 3 GiB
  long processes = 64;                                       ///< processes + threads
  std::size_t file_size_bytes = std::size_t{64} << 20;       ///< any one file written
  std::size_t output_cap = 64 << 10;                         ///< kept per stream
};

struct Bind {
  std::filesystem::path outside;
  std::string inside;
  bool writable = false;
};

struct SandboxCommand {
  std::vector<std::string> argv;           ///< paths as seen inside
  std::vector<Bind> binds;
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd = "/tmp";
  SandboxLimits limits;
  bool observation_channel = false;        ///< open a pipe as fd 3 and capture it
};

struct SandboxResult {
  int exit_code = -1;                      ///< when it exited
  int signal = 0;                          ///< when a signal ended it
  bool timed_out = false;
  double wall_seconds = 0;
  std::string stdout_text, stderr_text, channel_text;
  std::size_t stdout_bytes = 0, stderr_bytes = 0;  ///< total produced, kept or not
  bool sandbox_failed = false;             ///< bubblewrap itself could not start
  /// A sentence for the report: "exited with status 1", "killed by SIGSEGV
  /// (segmentation fault)", "timed out after 60 s (wall clock); killed" ...
  std::string describe() const;
  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
};

/// Runs `command` in the sandbox and waits for it (or for the timeout). Throws
/// grader::Error only when the grader itself cannot fork or make pipes.
SandboxResult run_sandboxed(const SandboxCommand& command);

/// The uid the sandbox of the grading process `pid` runs as when the grader is root: above
/// any uid Debian hands out, distinct per grading process so that concurrent gradings do
/// not share one process limit. (Tests use it to find what a grading left behind.)
inline unsigned sandbox_uid_for(long pid) { return 3'000'000u + static_cast<unsigned>(pid % 1'000'000); }

/// sandbox_uid_for(this process), fixed at the first call.
unsigned sandbox_uid();

}  // namespace grader
