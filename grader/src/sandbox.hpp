#pragma once
/// Runs one untrusted command — a compile, a link or a probe — inside bubblewrap, or in
/// the fallback that needs no namespaces (below), with resource limits, and captures what
/// it printed (docs/architecture.md, step 3).
///
/// What the sandboxed process gets: new user, PID, network, IPC, UTS and cgroup
/// namespaces (no network at all; no further user namespaces where bubblewrap ≥ 0.8 can
/// refuse them); a read-only /usr and /etc; a fresh /proc, a minimal read-only /dev, a
/// read-only root; exactly the binds the caller lists; no capabilities, no new
/// privileges, its own session (no terminal injection); an unprivileged uid (when the
/// grader runs as root it drops to a uid of its own before starting bubblewrap, so the
/// process limit counts only the sandbox's processes).
///
/// Secrets: bubblewrap itself is started with PATH and LANG only (execve with its own
/// environment), so neither the command nor bubblewrap's /proc/1/environ shows the
/// grader's; /usr/share/datasets, $FMNIST_DIR and every folder given to hide_from_sandbox
/// (the kit, its cache, the dataset: main.cpp) are covered by an empty tmpfs wherever the
/// sandbox would see them (under /usr, /etc or a bind).
///
/// Limits: CPU seconds, address space, processes+threads, file size, open files, no core
/// dumps, and a wall-clock timeout after which the whole process group is SIGKILLed;
/// with --unshare-pid and --die-with-parent, nothing started inside survives it.
/// Output is captured to `output_cap` bytes per stream; the rest is read and dropped.
///
/// Writable storage, every place the sandbox can write (SandboxLimits has the numbers):
///   /tmp        256 MiB — a tmpfs of that size (bubblewrap ≥ 0.7: --size);
///   /dev/shm     64 MiB — the same;
///   each writable bind (/out of a probe, /build of a compile) — all its files together,
///               256 MiB (/build: 512 MiB);
///   /, /dev     read-only.
/// A watchdog in the grader's wait loop measures the writable host folders every 10 ms
/// (files, and files the sandbox deleted but keeps open) and SIGKILLs the group past its
/// cap, or past 10,000 files and folders in any writable mount (a tmpfs's size does not
/// bound its inodes, which cost kernel memory). With bubblewrap older than 0.7 (Ubuntu
/// 22.04 ships 0.6), which has no --size, /tmp and /dev/shm are host folders under
/// `scratch_dir` watched the same way. Each file is also capped by RLIMIT_FSIZE.
///
/// Binds from hidden folders: when the grader is root, bubblewrap starts as the sandbox's
/// uid and must reach what it binds; a bind that lies in a hidden folder (the kit, its
/// cache) is first staged in a folder of the run's own in /tmp (files hard-linked or
/// copied, writable binds copied there and back), so those folders may be closed to other
/// uids (chmod 700), as the fallback needs them.
///
/// The fallback, without namespaces (SandboxKind::Fallback): where bubblewrap cannot start
/// — Docker's default seccomp profile (Gradescope), a chroot: "No permissions to create
/// new namespace" — probed once by running /usr/bin/true in it (active_sandbox()), or when
/// forced (--sandbox fallback, $NNKIT_SANDBOX=fallback). The grader must be root. The
/// forked child runs the command itself, after: its own session; rlimits as above
/// (RLIMIT_NPROC counts per uid: the uid is the grading process's own, sandbox_uid());
/// setgroups(0), setresgid and setresuid to that uid; the parent-death signal armed again
/// (the uid change clears it); PR_SET_DUMPABLE 0 until exec (the kernel then keeps a
/// process whose binary it cannot read non-dumpable); PR_SET_NO_NEW_PRIVS; a seccomp filter
/// (sandbox_seccomp.hpp: no socket but AF_UNIX, no ptrace, no namespaces, no mounts ...);
/// execve with PATH, HOME, LANG, TMPDIR and the command's env only. When the command ends
/// or is killed, every process of the uid is SIGKILLed (kill(-1) as that uid: there is no
/// PID namespace), and what the uid left in the host's /tmp, /var/tmp and /dev/shm is
/// removed.
///
/// Paths without a mount namespace: every bind is staged in a folder of the run's own,
/// /tmp/nnkit-run-PID-XXXXXX (root's, mode 711): read-only binds hard-linked (files the
/// grader owns and only it may write) or copied, modes kept — the probe stays
/// execute-only —; writable binds copied into folders of the sandbox's uid (700) and, after
/// the run, back into their outside folders (regular files, folders and links only; no
/// set-uid bits); /tmp is a folder of the sandbox's uid there. (The folder of a grader
/// killed by SIGKILL is removed by the next run, once its pid is gone.) The rule for paths: in
/// argv, in env values and in cwd, a bind's `inside` path (and /tmp) is replaced by its
/// staged path where it starts the string or follows "=", ":", "," or a short option
/// glued to it ("-I/kit/include"), and where it ends the string or is followed by "/",
/// ":" or ","; longest first. What the command prints has the staged paths turned back
/// into inside ones. Code that hard-codes an inside path ("/data") finds nothing: probes
/// read $NNKIT_PROBE_DATA and $NNKIT_PROBE_OUT.
///
/// Secrets without a mount namespace: nothing can be covered, so before anything runs
/// (check_sandbox_ready(), and before each run) the fallback checks, as the sandbox's uid,
/// that it can neither open nor search any folder hide_from_sandbox() names, and refuses
/// with the chmod that closes them otherwise. The storage watchdog measures the staged
/// writable folders, files the uid deleted but keeps open, and what it owns in the host's
/// /tmp, /var/tmp and /dev/shm (caps of /tmp and /dev/shm).
///
/// What each sandbox guarantees (docs/architecture.md has the same table):
///
///   guarantee                      bubblewrap                    fallback
///   network                        none (own namespace)          no socket but AF_UNIX (seccomp);
///                                                                host AF_UNIX sockets by mode
///   other processes                invisible (PID namespace)     visible in /proc (cmdlines);
///                                                                not traceable (seccomp, uid)
///   files of the host              /usr, /etc and binds only     all that other uids may read
///   hidden folders                 covered by a tmpfs            closed by mode, checked first
///   grader's environment           not passed, not readable      the same (other uid)
///   probe binary                   execute-only                  execute-only
///   writable places                binds, /tmp, /dev/shm         staged binds, its /tmp, and
///                                                                the host's /tmp, /var/tmp,
///                                                                /dev/shm (watched, emptied)
///   leftover processes             die with the PID namespace    killed by uid after each run
///   limits (CPU, memory, processes, files, output, wall clock) the same
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grader {

struct SandboxLimits {
  double wall_seconds = 60;
  long cpu_seconds = 120;
  std::size_t address_space_bytes = std::size_t{3} << 30;   ///< 3 GiB
  long processes = 64;                                       ///< processes + threads
  std::size_t file_size_bytes = std::size_t{64} << 20;       ///< any one file written
  std::size_t output_cap = 64 << 10;                         ///< kept per stream
  std::size_t tmp_bytes = std::size_t{256} << 20;            ///< /tmp
  std::size_t shm_bytes = std::size_t{64} << 20;             ///< /dev/shm
  std::size_t writable_bind_bytes = std::size_t{256} << 20;  ///< each writable bind, in all
  std::size_t writable_entries = 10'000;  ///< files and folders in any writable mount
  /// With an observation channel: when > 0, the process is killed unless a first complete
  /// line has arrived on the channel within this many seconds (SandboxResult::not_started).
  /// 0: no such deadline. The grader sets it only after a probe of the same part hung
  /// before it observed anything (grading.cpp), never for a well-behaved part.
  double startup_seconds = 0;
};

struct Bind {
  std::filesystem::path outside;
  std::string inside;
  bool writable = false;
};

struct SandboxCommand {
  std::vector<std::string> argv;           ///< paths as seen inside
  std::vector<Bind> binds;
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd = "/tmp";
  SandboxLimits limits;
  bool observation_channel = false;        ///< open a pipe as fd 3 and capture it
  /// Where /tmp and /dev/shm live when bubblewrap cannot size a tmpfs (created and
  /// removed by run_sandboxed; empty, or the grader is root: a folder in the system's
  /// temporary folder, which the sandbox's uid can reach).
  std::filesystem::path scratch_dir;
};

struct SandboxResult {
  int exit_code = -1;                      ///< when it exited
  int signal = 0;                          ///< when a signal ended it
  bool timed_out = false;
  /// Killed at limits.startup_seconds: no line on the observation channel by then.
  bool not_started = false;
  double wall_seconds = 0;
  /// When the first complete line arrived on the observation channel, in seconds from the
  /// start; -1 when none did (how long the reference takes to observe anything).
  double first_line_seconds = -1;
  double cpu_seconds = 0;                  ///< of everything it ran
  std::string stdout_text, stderr_text, channel_text;
  std::size_t stdout_bytes = 0, stderr_bytes = 0;  ///< total produced, kept or not
  bool sandbox_failed = false;             ///< bubblewrap itself could not start
  /// Why the watchdog killed it: "it wrote 270 MB to /out; the cap is 256 MB".
  std::string storage_exceeded;
  /// Kills by the kernel's OOM killer while it ran (OomKills, cgroup_limits.hpp): in the
  /// grader's memory cgroup, on the machine; -1 when the count cannot be read.
  long oom_kills_cgroup = -1, oom_kills_machine = -1;
  SandboxLimits limits;                    ///< the limits it ran with (for messages)
  /// A sentence for the report: "exited with status 1", "killed by SIGSEGV
  /// (segmentation fault)", "timed out after 60 s (wall clock); killed", "ran out of
  /// memory: ..." ...
  std::string describe() const;
  /// When the kernel's OOM killer, or the CPU-time limit, explains a SIGKILL the grader
  /// did not send: the sentence naming that limit; "" otherwise.
  std::string sigkill_cause() const;
  bool ok() const { return !timed_out && !not_started && signal == 0 && exit_code == 0 && storage_exceeded.empty(); }
};

/// Runs `command` in the sandbox and waits for it (or for the timeout). Throws
/// grader::Error only when the grader itself cannot fork or make pipes.
SandboxResult run_sandboxed(const SandboxCommand& command);

/// Never visible inside any sandbox from now on: `folder` (the kit, the cache, the
/// dataset) is covered by an empty tmpfs wherever a sandbox would see it. Throws
/// grader::Error when `folder` is /, /usr or /etc or holds them: covering it would take
/// the compiler away too.
void hide_from_sandbox(const std::filesystem::path& folder);

/// The bubblewrap this grader runs: its version ("0.8.0") and whether it sizes a tmpfs
/// (--size, ≥ 0.7) and refuses nested user namespaces (--disable-userns, ≥ 0.8). Asked
/// once (`bwrap --version`). $NNKIT_BWRAP_VERSION can only lower it: tests use it to run
/// the fallback of an older bubblewrap on a newer one.
struct BwrapFeatures {
  std::string version;
  bool tmpfs_size = false;
  bool disable_userns = false;
};
const BwrapFeatures& bwrap_features();

/// The uid the sandbox of the grading process `pid` runs as when the grader is root: above
/// any uid Debian hands out, distinct per grading process so that concurrent gradings do
/// not share one process limit. (Tests use it to find what a grading left behind.)
inline unsigned sandbox_uid_for(long pid) { return 3'000'000u + static_cast<unsigned>(pid % 1'000'000); }

/// sandbox_uid_for(this process), fixed at the first call.
unsigned sandbox_uid();

/// Which sandbox runs commands: bubblewrap, or the fallback that needs no namespaces.
/// Auto: bubblewrap when it can start here (asked once, by running /usr/bin/true in it
/// exactly as a command would run), else the fallback.
enum class SandboxKind { Auto, Bubblewrap, Fallback };

/// "" when `value` is auto, bubblewrap or fallback; otherwise the sentence that says the
/// choices (--sandbox, $NNKIT_SANDBOX).
std::string sandbox_kind_problem(const std::string& value);

/// The kind `value` names; throws grader::Error with sandbox_kind_problem's sentence.
SandboxKind sandbox_kind_named(const std::string& value);

/// Before the first run: which sandbox to use (default Auto).
void choose_sandbox(SandboxKind kind);

/// The sandbox that runs commands (Bubblewrap or Fallback; Auto is resolved at the first
/// call, and a fall back is said once on stderr with bubblewrap's reason).
SandboxKind active_sandbox();

/// Before anything runs, once every secret folder is hidden: for the fallback, that the
/// grader is root and that no folder hide_from_sandbox() names can be opened or searched by
/// the sandbox's uid (only permissions can keep it secret there). Throws grader::Error
/// naming each such folder and the chmod that closes it. run_sandboxed checks the same.
void check_sandbox_ready();

/// For the reports: "bubblewrap 0.8.0", or "fallback (no namespaces): uid, rlimits, seccomp".
std::string sandbox_description();

}  // namespace grader
