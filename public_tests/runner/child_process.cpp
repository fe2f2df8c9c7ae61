// Running a test binary with a deadline: see child_process.hpp.
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace public_tests {
namespace {

/// The child being run, for the Ctrl-C handler: the runner's child is in its own process
/// group, so the terminal's SIGINT reaches only the runner, which passes it on.
volatile sig_atomic_t g_child_group = 0;

void stop_child_and_exit(int signal) {
  if (g_child_group > 0) ::kill(-g_child_group, SIGKILL);
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

}  // namespace

ChildOutcome run_child(const std::vector<std::string>& argv,
                       const std::vector<std::pair<std::string, std::string>>& env,
                       double timeout_s, const std::function<void(const std::string&)>& on_output) {
  ChildOutcome outcome;
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    outcome.output = std::string("cannot create a pipe: ") + std::strerror(errno);
    return outcome;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    outcome.output = std::string("cannot fork: ") + std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return outcome;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    const std::string message = std::string("cannot run ") + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with the child's own call
  ::close(pipe_fds[1]);
  g_child_group = pid;
  struct sigaction stop {}, old_int {}, old_term {};
  stop.sa_handler = stop_child_and_exit;
  ::sigaction(SIGINT, &stop, &old_int);
  ::sigaction(SIGTERM, &stop, &old_term);
  outcome.started = true;

  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  char buffer[4096];
  for (;;) {
    int wait_ms = -1;
    if (timeout_s > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        outcome.timed_out = true;
        ::kill(-pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left.count()) + 1;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&fd, 1, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // every writer closed the pipe: the child (and its children) ended
    const std::string chunk(buffer, static_cast<std::size_t>(n));
    outcome.output += chunk;
    if (on_output) on_output(chunk);
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!outcome.timed_out) ::kill(-pid, SIGKILL);  // a leftover grandchild holds nothing more
  g_child_group = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (WIFSIGNALED(status) && !outcome.timed_out) outcome.signal = WTERMSIG(status);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(signal);
  }
}

std::string signal_text(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "SIGSEGV (segmentation fault: memory read or written out of bounds, e.g. an index "
             "past the end of an array or a null pointer)";
    case SIGBUS: return "SIGBUS (bus error: a bad memory access)";
    case SIGABRT:
      return "SIGABRT (abort: a failed assert, an exception nobody caught in a destructor or "
             "thread, or a corrupted heap)";
    case SIGFPE: return "SIGFPE (arithmetic error: an integer division by zero)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGKILL: return "SIGKILL (killed from outside: out of memory?)";
    case SIGTERM: return "SIGTERM (terminated from outside)";
    default: return signal_name(signal) + " (" + ::strsignal(signal) + ")";
  }
}

}  // namespace public_tests
