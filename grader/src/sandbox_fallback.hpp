#pragma once
/// The fallback sandbox, without namespaces (sandbox.hpp, "The fallback"): the check that
/// hidden folders are closed to its uid, the clean-up by uid after a run, the staging of
/// binds (which bubblewrap uses too when the grader is root) and the forked child that runs
/// the command. Internal to the sandbox's files (sandbox_detail.hpp).
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sandbox_detail.hpp"

namespace grader::sandbox_detail {

/// Without a mount namespace nothing can be covered: each folder hide_from_sandbox names
/// must already be closed to the sandbox's uid by its permissions (neither listable nor
/// searchable). Throws grader::Error naming each one that is not, and the chmod that fixes
/// it. Asked before each run (a fork and a few system calls): a folder may have been made,
/// or its mode changed, since.
void check_hidden_folders_closed(unsigned uid);

/// SIGKILLs every process of `uid` (kill(-1) from a process of that uid reaches exactly
/// them), until none is alive. Without a PID namespace, this is how nothing the sandbox
/// started outlives it, even what left its process group.
void kill_processes_of(unsigned uid);

/// Reaps the processes of `uid` this process adopted (as a subreaper) once they have
/// ended; returns their CPU seconds.
double reap_orphans_of(unsigned uid);

/// Removes what `uid` made at the top of the host's world-writable folders (/tmp,
/// /var/tmp, /dev/shm), with everything under it; after kill_processes_of.
void remove_files_of(unsigned uid);

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
  /// Stages `command`'s binds (only those in a hidden folder when `hidden_only`) for `uid`.
  FallbackStage(const SandboxCommand& command, unsigned uid, bool hidden_only = false);
  /// Removes the run's folder with everything in it.
  ~FallbackStage();
  FallbackStage(const FallbackStage&) = delete;
  FallbackStage& operator=(const FallbackStage&) = delete;

  /// `text` with each bind's inside path (and /tmp) replaced by where it is staged: where
  /// the path starts the text or follows "=", ":", "," or a short option ("-I", "-L"),
  /// and ends the text or is followed by "/", ":" or ",". "-I/kit/include" and
  /// "PATH=/kit/bin:/usr/bin" are translated; "/kitchen" and "x/kit" are not.
  std::string translate(const std::string& text) const;

  /// `text` (what the command printed) with the staged paths named as inside again.
  std::string untranslate(std::string text) const;

  /// The command with each staged bind's outside path replaced by its staged copy (what
  /// bubblewrap binds).
  const SandboxCommand& staged_command() const { return command_; }

  /// The writable folders, as {staged, inside}, and /tmp: what the watchdog measures.
  std::vector<std::pair<fs::path, std::string>> writable() const;
  const fs::path& tmp() const { return tmp_; }

  /// After the run (every process of the uid gone): each writable bind's outside folder
  /// becomes what the sandbox left in its staged copy.
  void copy_back() const;

 private:
  struct Writable {
    fs::path outside, staged;
    std::string inside;
  };

  /// The folders of runs whose grader was killed (SIGKILL runs no destructor): named
  /// nnkit-run-<pid>-..., removed once no process has that pid.
  static void remove_stale_stages();

  /// Makes the folder `dir` (700) for the sandbox's uid; throws grader::Error if it cannot.
  void make_owned_dir(const fs::path& dir) const;

  /// Whether an inside path may start at `p` in `text` (see translate()).
  static bool path_may_start_at(const std::string& text, std::size_t p);

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
                                      unsigned uid, pid_t parent);

}  // namespace grader::sandbox_detail
