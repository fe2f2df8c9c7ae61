// bubblewrap: its version, its command line and the child that starts it: see sandbox.hpp.
#include "sandbox_bubblewrap.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "sandbox_hidden.hpp"

namespace grader {
using namespace sandbox_detail;

namespace {

constexpr unsigned kInsideId = 65534;  // "nobody" inside the sandbox
/// The only environment bubblewrap itself gets: it is PID 1 of the sandbox, and its
/// /proc/1/environ is readable from inside.
constexpr const char* kBwrapEnvironment[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", nullptr};

// ---- bubblewrap's version ---------------------------------------------------------------

/// "0.8.0" as {0, 8, 0}; missing parts are 0.
std::array<int, 3> version_numbers(const std::string& text) {
  std::array<int, 3> v{0, 0, 0};
  std::sscanf(text.c_str(), "%d.%d.%d", &v[0], &v[1], &v[2]);
  return v;
}

/// What `/usr/bin/bwrap --version` prints ("bubblewrap 0.8.0"), or "".
std::string ask_bwrap_version() {
  std::array<int, 2> out{};
  if (pipe2(out.data(), O_CLOEXEC) != 0) return "";
  const pid_t pid = fork();
  if (pid < 0) return "";
  if (pid == 0) {
    dup2(out[1], 1);
    const int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    dup2(null_fd, 2);
    const char* argv[] = {"/usr/bin/bwrap", "--version", nullptr};
    execve(argv[0], const_cast<char**>(argv), const_cast<char**>(kBwrapEnvironment));
    _exit(127);
  }
  close(out[1]);
  const std::string text = read_all_then_reap(out[0], pid);
  const auto space = text.find(' ');
  return space == std::string::npos ? "" : text.substr(space + 1, text.find('\n') - space - 1);
}

// ---- folders a sandbox never shows -------------------------------------------------------

/// The folders the sandbox sees from the host, as {outside (canonical), inside}.
std::vector<std::pair<fs::path, fs::path>> visible_folders(const SandboxCommand& command) {
  std::vector<std::pair<fs::path, fs::path>> visible = {{"/usr", "/usr"}, {"/etc", "/etc"}};
  for (const auto& bind : command.binds) {
    std::error_code ec;
    const fs::path outside = fs::weakly_canonical(bind.outside, ec);
    if (!ec && fs::is_directory(outside, ec)) visible.emplace_back(outside, bind.inside);
  }
  return visible;
}

/// Inside paths to cover with an empty tmpfs: each hidden folder that lies inside a
/// folder the sandbox sees.
std::vector<std::string> masks(const SandboxCommand& command) {
  std::set<fs::path> hidden;
  {
    std::lock_guard<std::mutex> lock(hidden_mutex());
    hidden = hidden_folders();
  }
  auto covered = [&](const fs::path& folder) {  // by the mask of a folder above it
    return std::any_of(hidden.begin(), hidden.end(),
                       [&](const fs::path& above) { return strictly_under(folder, above); });
  };
  std::vector<std::string> found;
  for (const auto& [outside, inside] : visible_folders(command)) {
    for (const auto& folder : hidden) {
      std::error_code ec;
      if (strictly_under(folder, outside) && !covered(folder) && fs::exists(folder, ec)) {
        found.push_back((inside / folder.lexically_relative(outside)).string());
      }
    }
  }
  return found;
}

}  // namespace

namespace sandbox_detail {

// ---- the command line ---------------------------------------------------------------------

std::vector<std::string> bwrap_arguments(const SandboxCommand& command, const Scratch& scratch) {
  const BwrapFeatures& features = bwrap_features();
  const auto& l = command.limits;
  std::vector<std::string> a = {"/usr/bin/bwrap", "--unshare-all", "--json-status-fd",
                                std::to_string(kStatusFd)};
  if (features.disable_userns) {
    // No nested user namespace: one would hold capabilities over the files the sandbox's
    // uid owns (when the grader is not root, the probe binary is among them).
    a.insert(a.end(), {"--unshare-user", "--disable-userns"});
  }
  a.insert(a.end(), {
      "--die-with-parent", "--new-session",
      "--cap-drop", "ALL", "--uid", std::to_string(kInsideId), "--gid",
      std::to_string(kInsideId), "--hostname", "sandbox", "--clearenv",
      "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
      "--setenv", "LANG", "C.UTF-8", "--setenv", "TMPDIR", "/tmp",
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
      "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/etc", "/etc",
      "--proc", "/proc", "--dev", "/dev"});
  if (scratch.root.empty()) {
    a.insert(a.end(), {"--size", std::to_string(l.shm_bytes), "--tmpfs", "/dev/shm",
                       "--size", std::to_string(l.tmp_bytes), "--tmpfs", "/tmp"});
  } else {
    a.insert(a.end(), {"--bind", scratch.shm().string(), "/dev/shm",
                       "--bind", scratch.tmp().string(), "/tmp"});
  }
  for (const auto& [name, value] : command.env) a.insert(a.end(), {"--setenv", name, value});
  for (const auto& bind : command.binds) {
    a.insert(a.end(), {bind.writable ? "--bind" : "--ro-bind", bind.outside.string(),
                       bind.inside});
  }
  // The held-out labels and the kit's sources, wherever the sandbox would see them: an
  // empty, read-only tmpfs on top.
  for (const auto& mask : masks(command)) {
    a.insert(a.end(), {"--tmpfs", mask, "--remount-ro", mask});
  }
  // The root and /dev are tmpfs that bubblewrap makes for the sandbox's uid: read-only,
  // they hold no data (the mounts on them stay as they are).
  a.insert(a.end(), {"--remount-ro", "/dev", "--remount-ro", "/"});
  a.insert(a.end(), {"--chdir", command.cwd, "--"});
  a.insert(a.end(), command.argv.begin(), command.argv.end());
  return a;
}

[[noreturn]] void exec_child(const SandboxCommand& command, const std::vector<std::string>& args,
                             int out_fd, int err_fd, int channel_fd, int info_fd,
                             long process_limit, unsigned uid, pid_t parent) {
  setsid();  // its own process group: the timeout kills the group
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Above the numbers they go to, so that no dup2 below overwrites another's source.
  const int high_channel = channel_fd >= 0 ? fcntl(channel_fd, F_DUPFD, 10) : -1;
  const int high_info = fcntl(info_fd, F_DUPFD, 10);
  const int null_fd = open("/dev/null", O_RDONLY);
  dup2(null_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  if (high_channel >= 0) dup2(high_channel, 3);
  else close(3);
  dup2(high_info, kStatusFd);  // bubblewrap keeps it from the command
  close_range(kStatusFd + 1, ~0U, 0);

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
    // Changing the uid clears the parent-death signal (prctl(2)): without setting it again,
    // a grader killed by SIGKILL leaves this bubblewrap running until its probe ends.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
  // The grader may have died before the signal was armed: then nobody would send it.
  if (getppid() != parent) _exit(127);
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  // Its own environment, not the grader's (which may hold tokens): see kBwrapEnvironment.
  execve(argv[0], argv.data(), const_cast<char**>(kBwrapEnvironment));
  dprintf(2, "sandbox: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

long child_pid_in(const std::string& info) {
  const auto key = info.find("\"child-pid\":");
  if (key == std::string::npos) return 0;
  return std::strtol(info.c_str() + key + 12, nullptr, 10);
}

}  // namespace sandbox_detail

const BwrapFeatures& bwrap_features() {
  static const BwrapFeatures features = [] {
    BwrapFeatures f;
    f.version = ask_bwrap_version();
    auto v = version_numbers(f.version);
    if (const char* lower = std::getenv("NNKIT_BWRAP_VERSION"); lower && *lower) {
      const auto asked = version_numbers(lower);
      if (asked < v) {
        v = asked;
        f.version = lower;
      }
    }
    f.tmpfs_size = v >= std::array<int, 3>{0, 7, 0};
    f.disable_userns = v >= std::array<int, 3>{0, 8, 0};
    return f;
  }();
  return features;
}

}  // namespace grader
