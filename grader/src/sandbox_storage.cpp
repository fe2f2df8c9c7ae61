// A sandbox's writable storage: scratch folders and the watchdog: see sandbox.hpp.
#include "sandbox_storage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "error.hpp"

namespace grader {
using namespace sandbox_detail;

namespace {

// ---- the storage watchdog -----------------------------------------------------------------

/// Bytes and entries (files and folders) under a folder.
struct Usage {
  std::size_t bytes = 0, entries = 0;
};

/// Adds `dir_fd`'s tree to `usage` (not following links). A file counts its size or its
/// blocks, whichever is more: neither a sparse file nor a full one is under-counted.
void add_tree(int dir_fd, Usage& usage, int depth) {
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    close(dir_fd);
    return;
  }
  while (const dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    struct stat st {};
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    ++usage.entries;
    usage.bytes += std::max<std::size_t>(st.st_size, static_cast<std::size_t>(st.st_blocks) * 512);
    if (S_ISDIR(st.st_mode) && depth < 64) {
      int child = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0 && errno == EACCES && st.st_uid == geteuid()) {
        // The sandbox shares our uid when we are not root: it may not lock us out.
        fchmodat(dirfd(dir), e->d_name, 0700, 0);
        child = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (child >= 0) add_tree(child, usage, depth + 1);
    }
  }
  closedir(dir);
}

Usage usage_of(const fs::path& folder) {
  Usage usage;
  const int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) add_tree(fd, usage, 0);
  return usage;
}

/// What `uid` owns at the top of `folder`, with everything under it.
Usage usage_owned_by(const fs::path& folder, unsigned uid) {
  Usage usage;
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return usage;
  while (const dirent* e = readdir(dir)) {
    struct stat st {};
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != uid) continue;
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    ++usage.entries;
    usage.bytes += std::max<std::size_t>(st.st_size, static_cast<std::size_t>(st.st_blocks) * 512);
    if (S_ISDIR(st.st_mode)) {
      const int child = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child >= 0) add_tree(child, usage, 1);
    }
  }
  closedir(dir);
  return usage;
}

}  // namespace

namespace sandbox_detail {

Watchdog::Watchdog(const SandboxCommand& command, const Scratch& scratch) : limits_(command.limits) {
  for (const auto& bind : command.binds) {
    if (bind.writable) add_host(bind.outside, bind.inside, limits_.writable_bind_bytes);
  }
  if (!scratch.root.empty()) {
    add_host(scratch.tmp(), "/tmp", limits_.tmp_bytes);
    add_host(scratch.shm(), "/dev/shm", limits_.shm_bytes);
  } else {
    tmpfs_ = {{"/tmp", limits_.tmp_bytes}, {"/dev/shm", limits_.shm_bytes}};
  }
  struct stat st {};
  if (stat("/", &st) == 0) host_root_ = {st.st_dev, st.st_ino};
}

Watchdog::Watchdog(const SandboxLimits& limits,
                   const std::vector<std::pair<fs::path, std::string>>& writable,
                   const fs::path& tmp, unsigned uid)
    : limits_(limits), fallback_uid_(uid) {
  for (const auto& [outside, inside] : writable) add_host(outside, inside, limits_.writable_bind_bytes);
  add_host(tmp, "/tmp", limits_.tmp_bytes);
  shared_ = {{"/tmp", limits_.tmp_bytes}, {"/var/tmp", limits_.tmp_bytes},
             {"/dev/shm", limits_.shm_bytes}};
}

std::string Watchdog::check() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return "";
  next_ = now + kWatchdogPeriod;
  const fs::path root = fallback_uid_ ? fs::path("/") : sandbox_root();
  const auto deleted = root.empty() ? std::map<dev_t, std::size_t>{}
                                    : deleted_open_files(root, fallback_uid_);
  for (const auto& host : hosts_) {
    Usage usage = usage_of(host.outside);
    if (const auto it = deleted.find(host.device); it != deleted.end()) usage.bytes += it->second;
    if (usage.bytes > host.cap) {
      return fmt::format("it wrote {} to {}, more than its cap of {}", mib(usage.bytes),
                         host.inside, mib(host.cap));
    }
    if (usage.entries > limits_.writable_entries) {
      return fmt::format("it made {} files and folders in {}, more than the cap of {}",
                         usage.entries, host.inside, limits_.writable_entries);
    }
  }
  for (const auto& [folder, cap] : shared_) {
    const Usage usage = usage_owned_by(folder, *fallback_uid_);
    if (usage.bytes > cap) {
      return fmt::format("it wrote {} to the host's {}, more than its cap of {}", mib(usage.bytes),
                         folder, mib(cap));
    }
    if (usage.entries > limits_.writable_entries) {
      return fmt::format("it made {} files and folders in the host's {}, more than the cap of {}",
                         usage.entries, folder, limits_.writable_entries);
    }
  }
  if (!root.empty() && !fallback_uid_) {
    for (const auto& [inside, size] : tmpfs_) {
      // Only the tmpfs bubblewrap made, of the size asked for: never a host folder seen
      // while the sandbox is still being set up.
      struct statfs info {};
      if (statfs((root / fs::path(inside).relative_path()).c_str(), &info) != 0) continue;
      const std::size_t total = static_cast<std::size_t>(info.f_blocks) * info.f_bsize;
      if (info.f_type != TMPFS_MAGIC || total > size + 4096 || total + 4096 < size) continue;
      const std::size_t entries = info.f_files - info.f_ffree;
      if (entries > limits_.writable_entries) {
        return fmt::format("it made {} files and folders in {}, more than the cap of {}",
                           entries, inside, limits_.writable_entries);
      }
    }
  }
  return "";
}

void Watchdog::add_host(const fs::path& outside, const std::string& inside, std::size_t cap) {
  struct stat st {};
  stat(outside.c_str(), &st);
  hosts_.push_back({outside, inside, cap, st.st_dev});
}

fs::path Watchdog::sandbox_root() {
  if (init_pid_ == 0) return {};
  const fs::path root = fmt::format("/proc/{}/root", init_pid_);
  struct stat st {};
  if (stat(root.c_str(), &st) != 0 || std::make_pair(st.st_dev, st.st_ino) == host_root_) return {};
  return root;
}

std::map<dev_t, std::size_t> Watchdog::deleted_open_files(const fs::path& root,
                                                          std::optional<unsigned> uid) {
  std::map<dev_t, std::size_t> bytes;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (const auto& process : fs::directory_iterator(root / "proc", ec)) {
    const std::string pid = process.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat owner {};
    if (uid && (stat(process.path().c_str(), &owner) != 0 || owner.st_uid != *uid)) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(process.path() / "fd", fd_ec)) {
      struct stat st {};
      if (stat(fd.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 0) continue;
      if (!seen.insert({st.st_dev, st.st_ino}).second) continue;
      bytes[st.st_dev] += std::max<std::size_t>(st.st_size, static_cast<std::size_t>(st.st_blocks) * 512);
    }
  }
  return bytes;
}

ScratchFolders::ScratchFolders(const fs::path& wanted, unsigned uid, bool needed) {
  if (!needed || bwrap_features().tmpfs_size) return;
  // As root, bubblewrap starts as the sandbox's uid, which cannot reach a folder inside the
  // grader's closed cache (where `wanted` usually is): the scratch goes to the temporary
  // folder then.
  if (wanted.empty() || geteuid() == 0) {
    std::string pattern = (fs::temp_directory_path() / "nnkit-sandbox-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(fmt::format("cannot make a scratch folder in {}: {}",
                              fs::temp_directory_path().string(), std::strerror(errno)));
    }
    scratch_.root = pattern;
  } else {
    scratch_.root = wanted;
    fs::remove_all(wanted);
    fs::create_directories(wanted);
  }
  // Searchable by others, not listable (711): when the grader is root, bubblewrap starts
  // as the sandbox's uid, which must reach the two folders below that it owns.
  fs::permissions(scratch_.root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  for (const auto& dir : {scratch_.tmp(), scratch_.shm()}) {
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
    if (geteuid() == 0 && chown(dir.c_str(), uid, uid) != 0) {
      throw Error(fmt::format("cannot hand {} to the sandbox's uid {}: {}", dir.string(), uid,
                              std::strerror(errno)));
    }
  }
}

ScratchFolders::~ScratchFolders() {
  std::error_code ec;
  if (!scratch_.root.empty()) fs::remove_all(scratch_.root, ec);
}

}  // namespace sandbox_detail
}  // namespace grader
