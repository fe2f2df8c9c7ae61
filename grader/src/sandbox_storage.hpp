#pragma once
/// A sandbox's writable storage (sandbox.hpp, "Writable storage"): where /tmp and /dev/shm
/// come from — a sized tmpfs, or scratch folders on the host where bubblewrap cannot size
/// one — and the watchdog that measures every place the sandbox can write while a command
/// runs. Internal to the sandbox's files (sandbox_detail.hpp).
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox_detail.hpp"

namespace grader::sandbox_detail {

/// How often the watchdog measures; until it kills, the run's wait loop wakes at least as often.
constexpr auto kWatchdogPeriod = std::chrono::milliseconds(10);

/// Where /tmp and /dev/shm come from: a sized tmpfs, or host folders (bubblewrap < 0.7).
struct Scratch {
  fs::path root;         ///< empty with tmpfs
  fs::path tmp() const { return root / "tmp"; }
  fs::path shm() const { return root / "shm"; }
};

/// Measures what a running sandbox has written, every kWatchdogPeriod, against its caps
/// (SandboxLimits): bytes and entries of each place it can write, with the files it
/// deleted but keeps open.
class Watchdog {
 public:
  /// Bubblewrap's watchdog: `command`'s writable binds, capped as writable binds; /tmp and
  /// /dev/shm as the host folders of `scratch`, or (a sized tmpfs) their entries.
  Watchdog(const SandboxCommand& command, const Scratch& scratch);

  /// The fallback's watchdog: `writable` (outside, inside) folders, capped as writable
  /// binds, and `tmp` as /tmp; files deleted but kept open by any process of `uid`; and
  /// what `uid` owns at the top of the host's world-writable folders (/tmp, /var/tmp,
  /// /dev/shm), which it can write without a mount namespace to hide them.
  Watchdog(const SandboxLimits& limits, const std::vector<std::pair<fs::path, std::string>>& writable,
           const fs::path& tmp, unsigned uid);

  /// The sandbox's PID 1 (bubblewrap's --json-status-fd says which), once known.
  void set_init_pid(long pid) { init_pid_ = pid; }

  /// Measures when a period has passed; returns why the sandbox must stop, or "".
  std::string check();

 private:
  struct Host {
    fs::path outside;
    std::string inside;
    std::size_t cap;
    dev_t device;
  };

  void add_host(const fs::path& outside, const std::string& inside, std::size_t cap);

  /// "/proc/PID/root" of the sandbox's PID 1 once it has its own root; "" before that
  /// or when it cannot be read.
  fs::path sandbox_root();

  /// Bytes of regular files that processes inside keep open after deleting them, by
  /// device: they use the disk (or memory) and show in no folder.
  /// With `uid`: only the processes of that uid (the fallback, which has no PID namespace).
  static std::map<dev_t, std::size_t> deleted_open_files(const fs::path& root,
                                                         std::optional<unsigned> uid);

  SandboxLimits limits_;
  long init_pid_ = 0;
  std::pair<dev_t, ino_t> host_root_{};
  std::vector<Host> hosts_;
  std::vector<std::pair<std::string, std::size_t>> tmpfs_;
  std::optional<unsigned> fallback_uid_;
  std::vector<std::pair<std::string, std::size_t>> shared_;  ///< the fallback's host folders
  std::chrono::steady_clock::time_point next_{};
};

/// The scratch folders of a run without a sized tmpfs: made for the sandbox's uid,
/// removed with everything in them when the run ends.
class ScratchFolders {
 public:
  /// `needed` false: none (the fallback has its own).
  ScratchFolders(const fs::path& wanted, unsigned uid, bool needed);
  ~ScratchFolders();
  ScratchFolders(const ScratchFolders&) = delete;
  ScratchFolders& operator=(const ScratchFolders&) = delete;
  const Scratch& scratch() const { return scratch_; }

 private:
  Scratch scratch_;
};

}  // namespace grader::sandbox_detail
