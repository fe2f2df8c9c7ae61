// Helper processes that die with the grader: see child_process.hpp.
#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "error.hpp"

extern char** environ;

namespace grader {

pid_t start_child(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  if (argv.empty()) throw Error("start_child: no program to start (argv is empty)");
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw Error(fmt::format("cannot open {} for {}'s output: {}; fix: make its folder writable",
                            log.string(), argv[0], std::strerror(errno)));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string cannot_exec = fmt::format("cannot execute {}: ", argv[0]);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    throw Error(fmt::format("cannot start {}: fork failed: {}", argv[0], std::strerror(error)));
  }
  if (pid == 0) {
    // The parent may have died between fork and prctl: then the signal would never come.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    setpgid(0, 0);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(args[0], args.data(), environ);
    const char* reason = strerrordesc_np(errno);  // a static string, unlike strerror's
    if (reason == nullptr) reason = "unknown error";
    [[maybe_unused]] auto ignored = write(STDERR_FILENO, cannot_exec.data(), cannot_exec.size());
    ignored = write(STDERR_FILENO, reason, strlen(reason));
    ignored = write(STDERR_FILENO, "\n", 1);
    _exit(127);
  }
  // Both sides set the group, so it exists whichever runs first (a signal to the group
  // sent right after start_child returns must reach the child).
  setpgid(pid, pid);
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  return pid;
}

void signal_child_group(pid_t pid, int signal) {
  if (pid > 0 && kill(-pid, signal) != 0) kill(pid, signal);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* name = sigabbrev_np(signal);
    return fmt::format("killed by SIG{} ({})", name ? name : std::to_string(signal).c_str(),
                       strsignal(signal));
  }
  return fmt::format("ended with wait status {}", status);
}

}  // namespace grader
