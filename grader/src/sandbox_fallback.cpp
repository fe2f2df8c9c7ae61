// The fallback sandbox, without namespaces: see sandbox.hpp.
#include "sandbox_fallback.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "error.hpp"
#include "sandbox_hidden.hpp"
#include "sandbox_seccomp.hpp"

namespace grader {
using namespace sandbox_detail;

namespace {

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
  return read_all_then_reap(out[0], pid);
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

/// The host's world-writable folders, where the fallback's uid can make files; what it
/// made there goes after each run (kill_processes_of first: nothing can race it).
constexpr const char* kSharedFolders[] = {"/tmp", "/var/tmp", "/dev/shm"};

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

}  // namespace

namespace sandbox_detail {

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

void kill_processes_of(unsigned uid) {
  for (int round = 0; round < 1000 && live_process_of(uid); ++round) {
    as_sandbox_uid(uid, [](int) { kill(-1, SIGKILL); });
    if (round > 0) usleep(1000);
  }
}

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

FallbackStage::FallbackStage(const SandboxCommand& command, unsigned uid, bool hidden_only)
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

FallbackStage::~FallbackStage() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string FallbackStage::translate(const std::string& text) const {
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

std::string FallbackStage::untranslate(std::string text) const {
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

std::vector<std::pair<fs::path, std::string>> FallbackStage::writable() const {
  std::vector<std::pair<fs::path, std::string>> folders;
  for (const auto& w : writable_) folders.emplace_back(w.staged, w.inside);
  return folders;
}

void FallbackStage::copy_back() const {
  for (const auto& w : writable_) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(w.outside, ec)) {
      std::error_code remove_ec;
      fs::remove_all(entry.path(), remove_ec);
    }
    copy_tree(w.staged, w.outside, -1);
  }
}

void FallbackStage::remove_stale_stages() {
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

void FallbackStage::make_owned_dir(const fs::path& dir) const {
  if (mkdir(dir.c_str(), 0700) != 0 || chown(dir.c_str(), uid_, uid_) != 0) {
    throw Error(fmt::format("cannot make {} for the sandbox's uid {}: {}", dir.string(), uid_,
                            std::strerror(errno)));
  }
}

bool FallbackStage::path_may_start_at(const std::string& text, std::size_t p) {
  if (p == 0) return true;
  if (std::string("=:,").find(text[p - 1]) != std::string::npos) return true;
  // a short option glued to its path: "-I", "-L", "-isystem" ...
  return text[0] == '-' && p >= 2 &&
         std::all_of(text.begin() + 1, text.begin() + static_cast<long>(p),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

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

}  // namespace sandbox_detail
}  // namespace grader
