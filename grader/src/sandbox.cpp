// One sandboxed run, in bubblewrap or the fallback, and what its result says: see sandbox.hpp.
#include "sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cgroup_limits.hpp"
#include "error.hpp"
#include "sandbox_bubblewrap.hpp"
#include "sandbox_fallback.hpp"
#include "sandbox_storage.hpp"

namespace grader {
using namespace sandbox_detail;

namespace {

constexpr std::size_t kChannelCap = std::size_t{32} << 20;  // observations: large arrays

/// Processes (and threads) the current real uid already runs: without root we cannot
/// give the sandbox a uid of its own, so its process limit is counted on top of these.
long processes_of_current_user() {
  long count = 0;
  const uid_t me = getuid();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
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
    case SIGKILL: return "SIGKILL";
    case SIGPIPE: return "SIGPIPE (wrote to a closed pipe)";
    default: return fmt::format("signal {} ({})", sig, strsignal(sig));
  }
}

/// This process adopts the orphans of its descendants while a sandbox runs: bubblewrap's
/// outer process may exit before the sandbox's PID 1 has, and an orphan would go to the
/// machine's (or container's) init, which may never reap it — a zombie of the sandbox's
/// uid that counts against the next sandbox's process limit. Restored afterwards, so that
/// the process's other children (a batch's) are never mixed with these.
class Subreaper {
 public:
  Subreaper() {
    prctl(PR_GET_CHILD_SUBREAPER, &before_);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
  ~Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, before_); }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;

  /// Reaps the sandbox's PID 1 `pid` once it has ended (its parent has already been
  /// reaped; it dies with it), waiting at most a second. Returns the CPU seconds of it and
  /// what it reaped (the command), 0 when another process reaped it.
  static double reap(long pid) {
    if (pid <= 0) return 0;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      rusage usage{};
      const pid_t done = wait4(static_cast<pid_t>(pid), nullptr, WNOHANG, &usage);
      if (done == pid) return cpu_seconds_of(usage);
      if (done < 0 && errno == ECHILD) return 0;
      usleep(1000);
    }
    return 0;
  }

 private:
  int before_ = 0;
};

}  // namespace

unsigned sandbox_uid() {
  // Fixed at the first call (always made in the grader's process, before any fork).
  static const unsigned uid = sandbox_uid_for(getpid());
  return uid;
}

std::string SandboxResult::sigkill_cause() const {
  if (signal != SIGKILL || timed_out || not_started || !storage_exceeded.empty()) return "";
  if (oom_kills_cgroup > 0) {
    const auto limit = container_memory_limit();
    return "out of memory — the kernel's OOM killer ended it at the container's memory limit" +
           (limit ? fmt::format(" ({})", mib(*limit)) : std::string());
  }
  if (oom_kills_machine > 0) {
    return "out of memory — the kernel's OOM killer ended it (the machine's memory ran out, or "
           "a memory limit above the grader's cgroup)";
  }
  if (cpu_seconds >= static_cast<double>(limits.cpu_seconds)) {
    return fmt::format("its CPU-time limit of {} s was reached", limits.cpu_seconds);
  }
  if (oom_kills_cgroup < 0 && oom_kills_machine < 0) {
    return "out of memory, most likely — the kernel's OOM killer ends a process with SIGKILL "
           "(its count of kills cannot be read on this machine)";
  }
  return "";
}

std::string SandboxResult::describe() const {
  if (sandbox_failed) return "the sandbox could not start: " + stderr_text;
  if (timed_out) return fmt::format("timed out after {:.0f} s (wall clock) and was killed",
                                    wall_seconds);
  if (!storage_exceeded.empty()) return "was stopped: " + storage_exceeded;
  if (not_started) {
    return fmt::format("observed nothing within its start-up deadline of {:.0f} s and was killed",
                       limits.startup_seconds);
  }
  if (signal == SIGKILL) {
    const std::string cause = sigkill_cause();
    return "killed by SIGKILL: " +
           (cause.empty() ? std::string("neither the grader (no time-out, no storage cap) nor "
                                        "the kernel's OOM killer sent it, so a process inside did")
                          : cause);
  }
  if (signal != 0) return "killed by " + signal_name(signal);
  return fmt::format("exited with status {}", exit_code);
}

void check_sandbox_ready() {
  if (active_sandbox() != SandboxKind::Fallback) return;
  if (geteuid() != 0) {
    throw Error("the fallback sandbox (no namespaces) needs the grader to run as root: it "
                "runs each command as a uid of its own, which only root can switch to");
  }
  check_hidden_folders_closed(sandbox_uid());
}

SandboxResult run_sandboxed(const SandboxCommand& command) {
  const SandboxKind kind = active_sandbox();
  if (kind == SandboxKind::Fallback) {
    static std::mutex one_at_a_time;  // the uid is the process's: runs must not overlap
    const std::lock_guard<std::mutex> lock(one_at_a_time);
    check_sandbox_ready();  // again: a folder may have been made or opened since
    return run_in(command, kind);
  }
  return run_in(command, kind);
}

namespace sandbox_detail {

SandboxResult run_in(const SandboxCommand& command, SandboxKind kind) {
  const bool fallback = kind == SandboxKind::Fallback;
  const unsigned uid = sandbox_uid();
  const ScratchFolders scratch(command.scratch_dir, uid, !fallback);
  std::optional<FallbackStage> stage;
  std::vector<std::string> args;
  if (fallback) {
    stage.emplace(command, uid);
  } else if (geteuid() == 0) {
    stage.emplace(command, uid, /*hidden_only=*/true);
    args = bwrap_arguments(stage->staged_command(), scratch.scratch());
  } else {
    args = bwrap_arguments(command, scratch.scratch());
  }
  const long process_limit =
      command.limits.processes + (geteuid() == 0 ? 0 : processes_of_current_user());

  std::array<int, 2> out{}, err{}, chan{-1, -1}, info{};
  if (pipe2(out.data(), O_CLOEXEC) != 0 || pipe2(err.data(), O_CLOEXEC) != 0 ||
      pipe2(info.data(), O_CLOEXEC) != 0 ||
      (command.observation_channel && pipe2(chan.data(), O_CLOEXEC) != 0)) {
    throw Error(fmt::format("cannot create pipes: {}", std::strerror(errno)));
  }
  const OomKills oom_before = oom_kills();
  const Subreaper subreaper;
  const auto start = std::chrono::steady_clock::now();
  const pid_t grader_pid = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error(fmt::format("cannot fork: {}", std::strerror(errno)));
  if (pid == 0) {
    if (fallback) exec_fallback_child(command, *stage, out[1], err[1], chan[1], info[1], uid, grader_pid);
    exec_child(command, args, out[1], err[1], chan[1], info[1], process_limit, uid, grader_pid);
  }
  close(out[1]);
  close(err[1]);
  close(info[1]);
  if (chan[1] >= 0) close(chan[1]);

  SandboxResult result;
  result.limits = command.limits;
  std::size_t channel_total = 0, info_total = 0;
  std::string info_text;
  struct Stream { int fd; std::string* kept; std::size_t* total; std::size_t cap; };
  std::vector<Stream> streams = {
      {out[0], &result.stdout_text, &result.stdout_bytes, command.limits.output_cap},
      {err[0], &result.stderr_text, &result.stderr_bytes, command.limits.output_cap},
      {info[0], &info_text, &info_total, 4096}};
  if (chan[0] >= 0) streams.push_back({chan[0], &result.channel_text, &channel_total, kChannelCap});

  Watchdog watchdog = fallback ? Watchdog(command.limits, stage->writable(), stage->tmp(), uid)
                               : Watchdog(stage ? stage->staged_command() : command, scratch.scratch());
  long init_pid = 0;
  const auto deadline = start + std::chrono::duration<double>(command.limits.wall_seconds);
  const bool startup_deadline_set = chan[0] >= 0 && command.limits.startup_seconds > 0;
  const auto startup_deadline =
      start + std::chrono::duration<double>(command.limits.startup_seconds);
  int status = 0;
  rusage usage{};
  bool reaped = false, killed = false;
  bool uid_cleared = false;  // the fallback: every process of the uid killed
  auto kill_all = [&] {
    kill(-pid, SIGKILL);  // the group; bubblewrap's PID namespace takes the rest
    kill(pid, SIGKILL);
    if (fallback) {       // no PID namespace: what left the group goes by its uid
      kill_processes_of(uid);
      uid_cleared = true;
    }
    killed = true;
  };
  while (!streams.empty() || !reaped) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline && !killed) {
      result.timed_out = true;
      kill_all();
    }
    if (startup_deadline_set && result.first_line_seconds < 0 && now >= startup_deadline &&
        !killed && !reaped) {
      result.not_started = true;
      kill_all();
    }
    if (!killed && !reaped) {
      result.storage_exceeded = watchdog.check();
      if (!result.storage_exceeded.empty()) kill_all();
    }
    if (!reaped && wait4(pid, &status, WNOHANG, &usage) == pid) reaped = true;
    if (reaped && fallback && !uid_cleared) {
      // What it left running (a daemon holding stdout open) ends with it, as in a PID
      // namespace whose PID 1 has ended.
      kill_processes_of(uid);
      uid_cleared = true;
    }
    if (streams.empty()) {
      if (!reaped) usleep(2000);
      continue;
    }
    std::vector<pollfd> fds;
    for (const auto& s : streams) fds.push_back({s.fd, POLLIN, 0});
    const auto next_deadline = startup_deadline_set && result.first_line_seconds < 0
                                   ? std::min(deadline, startup_deadline)
                                   : deadline;
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - now);
    const long period = std::chrono::milliseconds(kWatchdogPeriod).count();
    const int timeout = killed ? 100 : static_cast<int>(std::clamp<long>(wait_ms.count(), 1, period));
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    for (std::size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      auto& s = streams[i];
      if (!drain(s.fd, *s.kept, *s.total, s.cap)) {
        close(s.fd);
        streams.erase(streams.begin() + static_cast<long>(i));
      }
    }
    if (init_pid == 0 && (init_pid = child_pid_in(info_text)) != 0) watchdog.set_init_pid(init_pid);
    if (result.first_line_seconds < 0 && result.channel_text.find('\n') != std::string::npos) {
      result.first_line_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  }
  const double init_cpu_seconds = fallback ? reap_orphans_of(uid) : Subreaper::reap(init_pid);
  if (!fallback && stage) stage->copy_back();
  if (fallback) {
    remove_files_of(uid);
    stage->copy_back();
    result.stdout_text = stage->untranslate(result.stdout_text);
    result.stderr_text = stage->untranslate(result.stderr_text);
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.cpu_seconds = cpu_seconds_of(usage) + init_cpu_seconds;
  const OomKills oom_after = oom_kills();
  if (oom_before.cgroup >= 0 && oom_after.cgroup >= 0) {
    result.oom_kills_cgroup = oom_after.cgroup - oom_before.cgroup;
  }
  if (oom_before.machine >= 0 && oom_after.machine >= 0) {
    result.oom_kills_machine = oom_after.machine - oom_before.machine;
  }
  if (fallback) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    // Its set-up failed exactly when it said so on the report descriptor, which a
    // successful exec closes: the command cannot write there.
    if (!info_text.empty() && !killed) {
      result.sandbox_failed = true;
      result.stderr_text = info_text + "\n" + result.stderr_text;
    }
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    // bubblewrap exits with 128 + the signal that ended the command it ran
    if (result.exit_code > 128 && result.exit_code <= 128 + 64) {
      result.signal = result.exit_code - 128;
    }
    // The sandbox failed (bubblewrap's set-up, or ours before it) exactly when bubblewrap
    // never reported the command's exit: stderr cannot tell, since the command writes it
    // too and could print "bwrap: ..." to pass its own failure off as the grader's.
    result.sandbox_failed =
        result.exit_code != 0 && !killed && info_text.find("\"exit-code\"") == std::string::npos;
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace sandbox_detail
}  // namespace grader
