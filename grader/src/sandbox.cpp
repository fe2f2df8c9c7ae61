// bubblewrap + rlimits + a wall-clock timeout + a storage watchdog: see sandbox.hpp.
#include "sandbox.hpp"

#include <dirent.h>
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
#include <cctype>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cgroup_limits.hpp"
#include "error.hpp"
#include "sandbox_bubblewrap.hpp"
#include "sandbox_hidden.hpp"
#include "sandbox_seccomp.hpp"
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

double cpu_seconds_of(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
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

// ---- the fallback: no namespaces -----------------------------------------------------------

/// Runs `body` in a child process that has dropped to `uid` (no groups), passing what it
/// writes to `fd` back as text. For checks made with the sandbox's credentials.
template <typename Body>
std::string as_sandbox_uid(unsigned uid, Body body) {
  std::array<int, 2> out{};
  if (pipe2(out.data(), O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  const pid_t pid = fork();
  if (pid < 0) throw Error(fmt::format("cannot fork: {}", std::strerror(errno)));
  if (pid == 0) {
    close(out[0]);
    if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
      dprintf(out[1], "!cannot drop to uid %u: %s\n", uid, std::strerror(errno));
      _exit(1);
    }
    body(out[1]);
    _exit(0);
  }
  close(out[1]);
  std::string text;
  std::array<char, 4096> buffer;
  for (ssize_t n; (n = read(out[0], buffer.data(), buffer.size())) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return text;
}

/// Without a mount namespace nothing can be covered: each folder hide_from_sandbox names
/// must already be closed to the sandbox's uid by its permissions (neither listable nor
/// searchable). Throws grader::Error naming each one that is not, and the chmod that fixes
/// it. Asked before each run (a fork and a few system calls): a folder may have been made,
/// or its mode changed, since.
void check_hidden_folders_closed(unsigned uid) {
  std::set<fs::path> hidden;
  {
    std::lock_guard<std::mutex> lock(hidden_mutex());
    hidden = hidden_folders();
  }
  std::vector<std::string> existing;
  for (const auto& folder : hidden) {
    std::error_code ec;
    if (fs::exists(folder, ec)) existing.push_back(folder.string());
  }
  const std::string open = as_sandbox_uid(uid, [&](int out) {
    for (const auto& folder : existing) {
      const int fd = ::open(folder.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0 || access(folder.c_str(), X_OK) == 0) dprintf(out, "%s\n", folder.c_str());
      if (fd >= 0) close(fd);
    }
  });
  if (!open.empty() && open[0] == '!') throw Error("the fallback sandbox " + open.substr(1));
  if (!open.empty()) {
    std::vector<std::string> folders;
    std::string line;
    for (std::istringstream in(open); std::getline(in, line);) {
      // A folder under another that is open too closes with it: name the one above.
      if (std::none_of(folders.begin(), folders.end(), [&](const std::string& above) {
            return strictly_under(line, above);
          })) {
        folders.push_back(line);
      }
    }
    throw Error(fmt::format(
        "the fallback sandbox (no namespaces: bubblewrap cannot start here, or --sandbox "
        "fallback) cannot hide {} from the code it runs: a process of another uid (the "
        "sandbox's, {}) can open or search {}. Without a mount namespace only permissions "
        "keep the kit, its cache and the dataset secret; as root, run: chmod 700 {}",
        fmt::join(folders, ", "), uid, folders.size() == 1 ? "it" : "them",
        fmt::join(folders, " ")));
  }
}

/// Whether a process of `uid` is alive (zombies, which kill() still reaches, are not).
bool live_process_of(unsigned uid) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat st {};
    if (stat(entry.path().c_str(), &st) != 0 || st.st_uid != uid) continue;
    std::ifstream stat_file(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z' &&
        text[paren + 2] != 'X') {
      return true;
    }
  }
  return false;
}

/// SIGKILLs every process of `uid` (kill(-1) from a process of that uid reaches exactly
/// them), until none is alive. Without a PID namespace, this is how nothing the sandbox
/// started outlives it, even what left its process group.
void kill_processes_of(unsigned uid) {
  for (int round = 0; round < 1000 && live_process_of(uid); ++round) {
    as_sandbox_uid(uid, [](int) { kill(-1, SIGKILL); });
    if (round > 0) usleep(1000);
  }
}

/// Reaps the processes of `uid` this process adopted (as a subreaper) once they have
/// ended; returns their CPU seconds.
double reap_orphans_of(unsigned uid) {
  double cpu = 0;
  const std::string me = std::to_string(getpid());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    bool adopted = false, owned = false;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0) adopted = std::stoul(line.substr(5)) == std::stoul(me);
      if (line.rfind("Uid:", 0) == 0) owned = std::stoul(line.substr(4)) == uid;
    }
    if (!adopted || !owned) continue;
    rusage usage{};
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const pid_t done = wait4(pid, nullptr, WNOHANG, &usage);
      if (done == pid) {
        cpu += cpu_seconds_of(usage);
        break;
      }
      if (done < 0) break;
      usleep(1000);
    }
  }
  return cpu;
}

/// The host's world-writable folders, where the fallback's uid can make files; what it
/// made there goes after each run (kill_processes_of first: nothing can race it).
constexpr const char* kSharedFolders[] = {"/tmp", "/var/tmp", "/dev/shm"};

void remove_files_of(unsigned uid) {
  for (const char* folder : kSharedFolders) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      struct stat st {};
      if (lstat(entry.path().c_str(), &st) == 0 && st.st_uid == uid) {
        std::error_code remove_ec;
        fs::remove_all(entry.path(), remove_ec);
      }
    }
  }
}

/// Copies the tree `from` into the existing folder `to` as the grader: regular files,
/// folders and symbolic links (never followed), without set-uid, set-gid or sticky bits,
/// owned by the grader; `owner` >= 0: owned by that uid (and gid) instead.
/// Folders in `hidden` (canonical) stay empty, as bubblewrap's masks leave them.
void copy_tree(const fs::path& from, const fs::path& to, long owner,
               const std::set<fs::path>& hidden = {}, int depth = 0) {
  DIR* dir = opendir(from.c_str());
  if (dir == nullptr) return;
  while (const dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    struct stat st {};
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const fs::path source = from / e->d_name, target = to / e->d_name;
    const mode_t mode = st.st_mode & 0777;
    std::error_code ec;
    if (S_ISDIR(st.st_mode)) {
      if (depth >= 64 || mkdir(target.c_str(), 0700) != 0) continue;
      if (hidden.count(source) == 0) copy_tree(source, target, owner, hidden, depth + 1);
      chmod(target.c_str(), mode | 0700);
    } else if (S_ISREG(st.st_mode)) {
      const int in = open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      const int out = in < 0 ? -1 : open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (in >= 0 && out >= 0) {
        std::array<char, 65536> buffer;
        for (ssize_t n; (n = read(in, buffer.data(), buffer.size())) > 0;) {
          if (write(out, buffer.data(), static_cast<std::size_t>(n)) != n) break;
        }
        fchmod(out, mode);
      }
      if (in >= 0) close(in);
      if (out >= 0) close(out);
    } else if (S_ISLNK(st.st_mode)) {
      fs::create_symlink(fs::read_symlink(source, ec), target, ec);
    } else {
      continue;  // devices, pipes and sockets stay behind
    }
    if (owner >= 0) lchown(target.c_str(), static_cast<uid_t>(owner), static_cast<gid_t>(owner));
  }
  closedir(dir);
}

/// The read-only tree `from` as `to`: folders made by the grader, files hard-linked when
/// the grader owns them and nobody else may write them (a link shares the file), copied
/// otherwise; modes kept (the execute-only probe stays execute-only).
void stage_read_only(const fs::path& from, const fs::path& to, const std::set<fs::path>& hidden,
                     int depth = 0) {
  struct stat st {};
  if (lstat(from.c_str(), &st) != 0) return;
  std::error_code ec;
  if (S_ISDIR(st.st_mode)) {
    if (depth >= 64 || mkdir(to.c_str(), 0700) != 0) return;
    for (const auto& entry : fs::directory_iterator(from, ec)) {
      if (depth > 0 && hidden.count(from) != 0) break;  // stays empty
      stage_read_only(entry.path(), to / entry.path().filename(), hidden, depth + 1);
    }
    chmod(to.c_str(), (st.st_mode & 0755) | 0700);
  } else if (S_ISREG(st.st_mode)) {
    const bool shareable = st.st_uid == geteuid() && (st.st_mode & 022) == 0 && (st.st_mode & 06000) == 0;
    if (!shareable || link(from.c_str(), to.c_str()) != 0) {
      fs::copy_file(from, to, ec);
      chmod(to.c_str(), st.st_mode & 0755);
    }
  } else if (S_ISLNK(st.st_mode)) {
    fs::create_symlink(fs::read_symlink(from, ec), to, ec);
  }
}

/// The binds of a run, staged outside every hidden folder: a folder of the run's own in
/// /tmp (root-owned, mode 711: the sandbox can reach what it is told of, not list it),
/// holding each bind — read-only ones hard-linked or copied there, writable ones copied
/// there and owned by the sandbox's uid, then copied back after the run; hidden folders
/// inside a bind stay empty. The fallback stages every bind and its /tmp (owned by the
/// sandbox's uid, 700), and translates paths as seen inside into paths here
/// (translate()). Bubblewrap, started as the sandbox's uid when the grader is root, stages
/// the binds that lie in a hidden folder (`hidden_only`): the kit, its cache and the
/// dataset may then be closed to other uids (chmod 700), as the fallback needs them.
class FallbackStage {
 public:
  FallbackStage(const SandboxCommand& command, unsigned uid, bool hidden_only = false)
      : uid_(uid), command_(command) {
    std::set<fs::path> hidden;
    {
      std::lock_guard<std::mutex> lock(hidden_mutex());
      hidden = hidden_folders();
    }
    remove_stale_stages();
    std::string pattern = fmt::format("/tmp/nnkit-run-{}-XXXXXX", getpid());
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(fmt::format("cannot make the sandbox's folder in /tmp: {}",
                              std::strerror(errno)));
    }
    root_ = pattern;
    chmod(root_.c_str(), 0711);
    tmp_ = root_ / "tmp";
    make_owned_dir(tmp_);
    for (std::size_t i = 0; i < command.binds.size(); ++i) {
      const Bind& bind = command.binds[i];
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(bind.outside, ec);
      const bool in_hidden = std::any_of(hidden.begin(), hidden.end(), [&](const fs::path& h) {
        return canonical == h || strictly_under(canonical, h);
      });
      if (hidden_only && !in_hidden) continue;
      const fs::path staged = root_ / fmt::format("bind{}", i);
      if (bind.writable) {
        make_owned_dir(staged);
        copy_tree(bind.outside, staged, uid_, hidden);
        writable_.push_back({bind.outside, staged, bind.inside});
      } else {
        stage_read_only(bind.outside, staged, hidden);
      }
      paths_.emplace_back(bind.inside, staged.string());
      command_.binds[i].outside = staged;
    }
    paths_.emplace_back("/tmp", tmp_.string());
    // The longest first: /kit/include before /kit.
    std::stable_sort(paths_.begin(), paths_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }
  ~FallbackStage() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  FallbackStage(const FallbackStage&) = delete;
  FallbackStage& operator=(const FallbackStage&) = delete;

  /// `text` with each bind's inside path (and /tmp) replaced by where it is staged: where
  /// the path starts the text or follows "=", ":", "," or a short option ("-I", "-L"),
  /// and ends the text or is followed by "/", ":" or ",". "-I/kit/include" and
  /// "PATH=/kit/bin:/usr/bin" are translated; "/kitchen" and "x/kit" are not.
  std::string translate(const std::string& text) const {
    std::string out;
    std::size_t p = 0;
    while (p < text.size()) {
      bool replaced = false;
      if (path_may_start_at(text, p)) {
        for (const auto& [inside, staged] : paths_) {
          if (text.compare(p, inside.size(), inside) != 0) continue;
          const std::size_t end = p + inside.size();
          if (end < text.size() && std::string("/:,").find(text[end]) == std::string::npos) continue;
          out += staged;
          p = end;
          replaced = true;
          break;
        }
      }
      if (!replaced) out += text[p++];
    }
    return out;
  }

  /// `text` (what the command printed) with the staged paths named as inside again.
  std::string untranslate(std::string text) const {
    auto longest_first = paths_;  // ".../bind10" before ".../bind1"
    std::stable_sort(longest_first.begin(), longest_first.end(),
                     [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
    for (const auto& [inside, staged] : longest_first) {
      for (std::size_t at = 0; (at = text.find(staged, at)) != std::string::npos;) {
        text.replace(at, staged.size(), inside);
        at += inside.size();
      }
    }
    return text;
  }

  /// The command with each staged bind's outside path replaced by its staged copy (what
  /// bubblewrap binds).
  const SandboxCommand& staged_command() const { return command_; }

  /// The writable folders, as {staged, inside}, and /tmp: what the watchdog measures.
  std::vector<std::pair<fs::path, std::string>> writable() const {
    std::vector<std::pair<fs::path, std::string>> folders;
    for (const auto& w : writable_) folders.emplace_back(w.staged, w.inside);
    return folders;
  }
  const fs::path& tmp() const { return tmp_; }

  /// After the run (every process of the uid gone): each writable bind's outside folder
  /// becomes what the sandbox left in its staged copy.
  void copy_back() const {
    for (const auto& w : writable_) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(w.outside, ec)) {
        std::error_code remove_ec;
        fs::remove_all(entry.path(), remove_ec);
      }
      copy_tree(w.staged, w.outside, -1);
    }
  }

 private:
  struct Writable {
    fs::path outside, staged;
    std::string inside;
  };

  /// The folders of runs whose grader was killed (SIGKILL runs no destructor): named
  /// nnkit-run-<pid>-..., removed once no process has that pid.
  static void remove_stale_stages() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
      const std::string name = entry.path().filename();
      if (name.rfind("nnkit-run-", 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + 10, nullptr, 10);
      struct stat st {};
      if (pid <= 0 || lstat(entry.path().c_str(), &st) != 0 || st.st_uid != geteuid()) continue;
      if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        std::error_code remove_ec;
        fs::remove_all(entry.path(), remove_ec);
      }
    }
  }

  void make_owned_dir(const fs::path& dir) const {
    if (mkdir(dir.c_str(), 0700) != 0 || chown(dir.c_str(), uid_, uid_) != 0) {
      throw Error(fmt::format("cannot make {} for the sandbox's uid {}: {}", dir.string(), uid_,
                              std::strerror(errno)));
    }
  }

  static bool path_may_start_at(const std::string& text, std::size_t p) {
    if (p == 0) return true;
    if (std::string("=:,").find(text[p - 1]) != std::string::npos) return true;
    // a short option glued to its path: "-I", "-L", "-isystem" ...
    return text[0] == '-' && p >= 2 &&
           std::all_of(text.begin() + 1, text.begin() + static_cast<long>(p),
                       [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  }

  unsigned uid_;
  SandboxCommand command_;
  fs::path root_, tmp_;
  std::vector<Writable> writable_;
  std::vector<std::pair<std::string, std::string>> paths_;  ///< {inside, staged}
};

/// In the forked child of a fallback run: limits, identity, no new privileges, the
/// system-call filter, then the command itself. Failures before the command runs go to
/// `info_fd` (closed by a successful exec), so that the parent can tell them from the
/// command's own. Never returns.
[[noreturn]] void exec_fallback_child(const SandboxCommand& command, const FallbackStage& stage,
                                      int out_fd, int err_fd, int channel_fd, int info_fd,
                                      unsigned uid, pid_t parent) {
  setsid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int high_channel = channel_fd >= 0 ? fcntl(channel_fd, F_DUPFD, 10) : -1;
  const int high_info = fcntl(info_fd, F_DUPFD_CLOEXEC, 10);
  const int null_fd = open("/dev/null", O_RDONLY);
  dup2(null_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  if (high_channel >= 0) dup2(high_channel, 3);
  else close(3);
  const int report = kStatusFd;
  dup3(high_info, report, O_CLOEXEC);
  close_range(report + 1, ~0U, 0);
  auto fail = [&](const std::string& what) {
    dprintf(report, "%s: %s", what.c_str(), std::strerror(errno));
    _exit(127);
  };

  // What it runs, in host paths (the strings are built before the identity changes).
  std::vector<std::string> args;
  for (const auto& arg : command.argv) args.push_back(stage.translate(arg));
  if (args.empty()) fail("nothing to run");
  if (args[0].find('/') == std::string::npos) {
    for (const char* dir : {"/usr/bin/", "/bin/"}) {
      if (access((dir + args[0]).c_str(), X_OK) == 0) {
        args[0] = dir + args[0];
        break;
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", "/usr/bin:/bin"}, {"HOME", stage.tmp().string()}, {"LANG", "C.UTF-8"},
      {"TMPDIR", stage.tmp().string()}};
  for (const auto& [name, value] : command.env) {
    auto it = std::find_if(env.begin(), env.end(), [&](const auto& e) { return e.first == name; });
    if (it != env.end()) it->second = stage.translate(value);
    else env.emplace_back(name, stage.translate(value));
  }
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string cwd = stage.translate(command.cwd);

  const auto& l = command.limits;
  set_limit(RLIMIT_CPU, l.cpu_seconds, l.cpu_seconds + 5);
  set_limit(RLIMIT_AS, l.address_space_bytes, l.address_space_bytes);
  set_limit(RLIMIT_FSIZE, l.file_size_bytes, l.file_size_bytes);
  set_limit(RLIMIT_NOFILE, 256, 256);
  set_limit(RLIMIT_CORE, 0, 0);
  set_limit(RLIMIT_NPROC, l.processes, l.processes);  // counted per uid: the uid is its own
  if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
    fail(fmt::format("sandbox: cannot drop to uid {}", uid));
  }
  // Changing the uid cleared the parent-death signal (prctl(2)).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  // Not dumpable while it still holds a copy of the grader's memory (no process of the
  // uid may read it); the kernel decides again at exec (an execute-only probe stays so).
  prctl(PR_SET_DUMPABLE, 0);
  if (chdir(cwd.c_str()) != 0) fail("sandbox: cannot enter " + command.cwd);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("sandbox: PR_SET_NO_NEW_PRIVS");
  if (const int rc = install_fallback_seccomp_filter(); rc != 0) {
    errno = -rc;
    fail("sandbox: cannot load the system-call filter");
  }
  execve(argv[0], argv.data(), envp.data());
  fail(fmt::format("sandbox: cannot run {}", command.argv[0]));
  _exit(127);
}

SandboxResult run_in(const SandboxCommand& command, SandboxKind kind);

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

namespace {

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

// ---- which sandbox ---------------------------------------------------------------------------

std::mutex& kind_mutex() {
  static std::mutex m;
  return m;
}
SandboxKind& chosen_kind() {
  static SandboxKind kind = SandboxKind::Auto;
  return kind;
}
std::optional<SandboxKind>& resolved_kind() {
  static std::optional<SandboxKind> kind;
  return kind;
}

/// "" when bubblewrap runs /usr/bin/true here as it would run a command; else what it said.
std::string bubblewrap_problem() {
  SandboxCommand probe;
  probe.argv = {"/usr/bin/true"};
  probe.limits.wall_seconds = 20;
  const SandboxResult r = run_in(probe, SandboxKind::Bubblewrap);
  if (r.ok()) return "";
  std::string why = r.describe();
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return why;
}

}  // namespace

std::string sandbox_kind_problem(const std::string& value) {
  if (value == "auto" || value == "bubblewrap" || value == "fallback") return "";
  return fmt::format("{} is not a sandbox: choose auto (bubblewrap when it can start here, "
                     "else the fallback), bubblewrap or fallback (no namespaces: a uid of its "
                     "own, rlimits and a seccomp filter)",
                     value.empty() ? "\"\"" : value);
}

SandboxKind sandbox_kind_named(const std::string& value) {
  if (const std::string problem = sandbox_kind_problem(value); !problem.empty()) throw Error(problem);
  return value == "bubblewrap" ? SandboxKind::Bubblewrap
         : value == "fallback" ? SandboxKind::Fallback
                               : SandboxKind::Auto;
}

void choose_sandbox(SandboxKind kind) {
  std::lock_guard<std::mutex> lock(kind_mutex());
  chosen_kind() = kind;
  resolved_kind().reset();
}

SandboxKind active_sandbox() {
  std::lock_guard<std::mutex> lock(kind_mutex());
  if (!resolved_kind()) {
    if (chosen_kind() != SandboxKind::Auto) {
      resolved_kind() = chosen_kind();
    } else if (const std::string problem = bubblewrap_problem(); problem.empty()) {
      resolved_kind() = SandboxKind::Bubblewrap;
    } else {
      resolved_kind() = SandboxKind::Fallback;
      std::fprintf(stderr,
                   "nnkit-grade: bubblewrap cannot start here (%s); grading in the fallback "
                   "sandbox (no namespaces: a uid of its own, rlimits, seccomp)\n",
                   problem.c_str());
    }
  }
  return *resolved_kind();
}

std::string sandbox_description() {
  if (active_sandbox() == SandboxKind::Fallback) {
    return "fallback (no namespaces): uid, rlimits, seccomp";
  }
  return "bubblewrap " + bwrap_features().version;
}

}  // namespace grader
