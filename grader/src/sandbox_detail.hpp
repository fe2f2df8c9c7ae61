#pragma once
/// What the sandbox's files share (sandbox.cpp and sandbox_*.cpp; sandbox.hpp is their
/// public face): what more than one of them needs and no one concept owns. Only those
/// files include it, and the internal headers beside it (the other sandbox_*.hpp but
/// sandbox_seccomp.hpp), whose names live in grader::sandbox_detail too.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include <cstddef>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "sandbox.hpp"

namespace grader::sandbox_detail {

namespace fs = std::filesystem;

/// Where bubblewrap writes its status (--json-status-fd): {"child-pid": N, ...}, the host
/// pid of the sandbox's PID 1, once the sandbox exists, then {"exit-code": N} once the
/// command has ended. The command never sees this descriptor, so it cannot forge either.
/// (The fallback's forked child reports its set-up failures on the same number.)
constexpr int kStatusFd = 4;

/// `bytes` in MiB, for messages: "270 MiB".
inline std::string mib(std::size_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1 << 20));
}

/// setrlimit(`resource`) to `soft` and `hard`, in a forked child (a failure is not reported).
inline void set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit limit{soft, hard};
  setrlimit(resource, &limit);
}

/// The user and system CPU seconds of `usage`, together.
inline double cpu_seconds_of(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// Everything the child `pid` writes to `fd` until it closes it; then closes `fd` and reaps
/// the child. For the short helper children that report on a pipe.
inline std::string read_all_then_reap(int fd, pid_t pid) {
  std::string text;
  std::array<char, 4096> buffer;
  for (ssize_t n; (n = read(fd, buffer.data(), buffer.size())) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return text;
}

/// Runs `command` in the sandbox `kind` (Bubblewrap or Fallback, never Auto) and waits for
/// it: run_sandboxed without the fallback's lock and checks (sandbox.cpp). The choice of a
/// sandbox (sandbox_choice.cpp) runs /usr/bin/true in bubblewrap with it.
SandboxResult run_in(const SandboxCommand& command, SandboxKind kind);

}  // namespace grader::sandbox_detail
