// bubblewrap + rlimits + a wall-clock timeout: see sandbox.hpp.
#include "sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {
namespace {

constexpr std::size_t kChannelCap = std::size_t{32} << 20;  // observations: large arrays
constexpr unsigned kInsideId = 65534;                        // "nobody" inside the sandbox

/// Processes (and threads) the current real uid already runs: without root we cannot
/// give the sandbox a uid of its own, so its process limit is counted on top of these.
long processes_of_current_user() {
  long count = 0;
  const uid_t me = getuid();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    bool mine = false;
    long threads = 1;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0) mine = std::stoul(line.substr(4)) == me;
      if (line.rfind("Threads:", 0) == 0) threads = std::stol(line.substr(8));
    }
    if (mine) count += threads;
  }
  return count;
}

std::vector<std::string> bwrap_arguments(const SandboxCommand& command) {
  std::vector<std::string> a = {
      "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session",
      "--cap-drop", "ALL", "--uid", std::to_string(kInsideId), "--gid",
      std::to_string(kInsideId), "--hostname", "sandbox", "--clearenv",
      "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
      "--setenv", "LANG", "C.UTF-8", "--setenv", "TMPDIR", "/tmp",
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
      "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/etc", "/etc",
      "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"};
  // Debian's dataset packages hold the held-out test labels: never visible inside.
  if (std::filesystem::exists("/usr/share/datasets")) {
    a.insert(a.end(), {"--tmpfs", "/usr/share/datasets"});
  }
  for (const auto& [name, value] : command.env) a.insert(a.end(), {"--setenv", name, value});
  for (const auto& bind : command.binds) {
    a.insert(a.end(), {bind.writable ? "--bind" : "--ro-bind", bind.outside.string(),
                       bind.inside});
  }
  a.insert(a.end(), {"--chdir", command.cwd, "--"});
  a.insert(a.end(), command.argv.begin(), command.argv.end());
  return a;
}

void set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit limit{soft, hard};
  setrlimit(resource, &limit);
}

/// In the forked child: limits, identity, descriptors, then bubblewrap. Never returns.
[[noreturn]] void exec_child(const SandboxCommand& command, const std::vector<std::string>& args,
                             int out_fd, int err_fd, int channel_fd, long process_limit,
                             unsigned uid) {
  setsid();  // its own process group: the timeout kills the group
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int null_fd = open("/dev/null", O_RDONLY);
  dup2(null_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  if (channel_fd >= 0) dup2(channel_fd, 3);
  close_range(channel_fd >= 0 ? 4 : 3, ~0U, 0);

  const auto& l = command.limits;
  set_limit(RLIMIT_CPU, l.cpu_seconds, l.cpu_seconds + 5);
  set_limit(RLIMIT_AS, l.address_space_bytes, l.address_space_bytes);
  set_limit(RLIMIT_FSIZE, l.file_size_bytes, l.file_size_bytes);
  set_limit(RLIMIT_NOFILE, 256, 256);
  set_limit(RLIMIT_CORE, 0, 0);
  set_limit(RLIMIT_NPROC, process_limit, process_limit);
  if (geteuid() == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
      dprintf(2, "sandbox: cannot drop to uid %u: %s\n", uid, std::strerror(errno));
      _exit(126);
    }
  }
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  dprintf(2, "sandbox: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

/// Reads what is available on `fd` into `kept` up to `cap`; counts everything.
/// Returns false at end of file.
bool drain(int fd, std::string& kept, std::size_t& total, std::size_t cap) {
  std::array<char, 65536> buffer;
  const ssize_t n = read(fd, buffer.data(), buffer.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  total += static_cast<std::size_t>(n);
  if (kept.size() < cap) kept.append(buffer.data(), std::min<std::size_t>(n, cap - kept.size()));
  return true;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault: an invalid memory access)";
    case SIGABRT: return "SIGABRT (aborted: an uncaught exception, a failed assertion or "
                         "a corrupted heap)";
    case SIGFPE: return "SIGFPE (arithmetic error, e.g. integer division by zero)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGXCPU: return "SIGXCPU (CPU time limit reached)";
    case SIGXFSZ: return "SIGXFSZ (file size limit reached)";
    case SIGKILL: return "SIGKILL (killed: a hard resource limit)";
    case SIGPIPE: return "SIGPIPE (wrote to a closed pipe)";
    default: return fmt::format("signal {} ({})", sig, strsignal(sig));
  }
}

}  // namespace

unsigned sandbox_uid() {
  // Fixed at the first call (always made in the grader's process, before any fork).
  static const unsigned uid = sandbox_uid_for(getpid());
  return uid;
}

std::string SandboxResult::describe() const {
  if (sandbox_failed) return "the sandbox could not start: " + stderr_text;
  if (timed_out) return fmt::format("timed out after {:.0f} s (wall clock) and was killed",
                                    wall_seconds);
  if (signal != 0) return "killed by " + signal_name(signal);
  return fmt::format("exited with status {}", exit_code);
}

SandboxResult run_sandboxed(const SandboxCommand& command) {
  const std::vector<std::string> args = bwrap_arguments(command);
  const long process_limit =
      command.limits.processes + (geteuid() == 0 ? 0 : processes_of_current_user());

  std::array<int, 2> out{}, err{}, chan{-1, -1};
  if (pipe2(out.data(), O_CLOEXEC) != 0 || pipe2(err.data(), O_CLOEXEC) != 0 ||
      (command.observation_channel && pipe2(chan.data(), O_CLOEXEC) != 0)) {
    throw Error(fmt::format("cannot create pipes: {}", std::strerror(errno)));
  }
  const unsigned uid = sandbox_uid();
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw Error(fmt::format("cannot fork: {}", std::strerror(errno)));
  if (pid == 0) exec_child(command, args, out[1], err[1], chan[1], process_limit, uid);
  close(out[1]);
  close(err[1]);
  if (chan[1] >= 0) close(chan[1]);

  SandboxResult result;
  std::size_t channel_total = 0;
  struct Stream { int fd; std::string* kept; std::size_t* total; std::size_t cap; };
  std::vector<Stream> streams = {
      {out[0], &result.stdout_text, &result.stdout_bytes, command.limits.output_cap},
      {err[0], &result.stderr_text, &result.stderr_bytes, command.limits.output_cap}};
  if (chan[0] >= 0) streams.push_back({chan[0], &result.channel_text, &channel_total, kChannelCap});

  const auto deadline = start + std::chrono::duration<double>(command.limits.wall_seconds);
  int status = 0;
  bool reaped = false;
  while (!streams.empty() || !reaped) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline && !result.timed_out) {
      result.timed_out = true;
      kill(-pid, SIGKILL);  // the group; bubblewrap's PID namespace takes the rest
      kill(pid, SIGKILL);
    }
    if (!reaped && waitpid(pid, &status, WNOHANG) == pid) reaped = true;
    if (streams.empty()) {
      if (!reaped) usleep(2000);
      continue;
    }
    std::vector<pollfd> fds;
    for (const auto& s : streams) fds.push_back({s.fd, POLLIN, 0});
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const int timeout = result.timed_out ? 100 : static_cast<int>(std::clamp<long>(
                                                     wait_ms.count(), 1, 100));
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    for (std::size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      auto& s = streams[i];
      if (!drain(s.fd, *s.kept, *s.total, s.cap)) {
        close(s.fd);
        streams.erase(streams.begin() + static_cast<long>(i));
      }
    }
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    // bubblewrap exits with 128 + the signal that ended the command it ran
    if (result.exit_code > 128 && result.exit_code <= 128 + 64) {
      result.signal = result.exit_code - 128;
    }
    // bubblewrap reports its own set-up failures as status 1 with "bwrap:" on stderr
    result.sandbox_failed = result.exit_code != 0 && result.stdout_bytes == 0 &&
                            result.stderr_text.rfind("bwrap:", 0) == 0;
    if (result.exit_code == 126 || result.exit_code == 127) {
      result.sandbox_failed = result.stderr_text.rfind("sandbox:", 0) == 0;
    }
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace grader
