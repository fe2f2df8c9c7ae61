#pragma once
/// Step 3 of a grading: one probe of a built part, run in its own sandboxed process
/// (invariant I3, docs/architecture.md: a crash, hang, memory or fork bomb, or flood of
/// output costs only the cases that read this probe).
#include <filesystem>
#include <string>

#include "kit.hpp"
#include "observations.hpp"
#include "rubric.hpp"
#include "sandbox.hpp"

namespace grader {

struct ProbeRun {
  SandboxResult process;
  Observations observations;
  std::filesystem::path out_dir;   ///< what the probe wrote (plots), read by the judge
  /// Empty when the probe ran to its end; otherwise why its observations are incomplete:
  /// "killed by SIGSEGV ...", "threw: not implemented: 1.3 ...", "timed out ...".
  std::string failure;
  std::string note;                ///< e.g. output beyond the cap (costs nothing by itself)
};

struct ProbeSettings {
  std::filesystem::path data_dir;  ///< the prepared split
  double timeout_s = 60;
  int threads = 1;                 ///< OpenBLAS threads inside
  /// Set inside the sandbox to pin OpenBLAS's kernels (pinned_blas_env).
  std::vector<std::pair<std::string, std::string>> blas_env;
  /// When > 0, the probe is killed unless it observes something within this many seconds
  /// (SandboxLimits::startup_seconds; grading.cpp sets it only after a probe of the same
  /// part hung before observing anything). 0: none.
  double startup_s = 0;
  /// Files written into the probe's out folder before it starts (name, bytes): a replay
  /// probe's inputs (replay.hpp).
  std::vector<std::pair<std::string, std::string>> input_files{};
};

/// The manifest's numerics.blas_pinning.env when this machine's CPU has every one of its
/// cpu_flags, else nothing. OpenBLAS picks its kernels by CPU (Haswell, Zen, SkylakeX...)
/// and float32 results — hence a CNN's whole training curve — differ between kernels;
/// pinning the kernels the reference runs used gives the same numbers on this machine,
/// CI and Gradescope (invariant I5).
std::vector<std::pair<std::string, std::string>> pinned_blas_env(const BlasPinning& pinning);

/// The most threads a probe may be given (--threads). A probe with T threads runs 2T − 1
/// of them — its own, T − 1 of nnkit's workers and T − 1 of OpenBLAS's — beside
/// bubblewrap's 2 processes, and all of them must stay below the sandbox's process limit
/// (SandboxLimits::processes, 64): T ≤ 31.
int max_probe_threads();

/// The default of --threads: the CPUs the grader may keep busy (usable_cpus(): its CPU
/// quota, else its affinity mask), at most max_probe_threads().
int default_probe_threads();

/// "" when `value` is a thread count from 1 to max_probe_threads(); otherwise the sentence
/// that says the range, for --threads (grade, batch, validate).
std::string probe_threads_problem(const std::string& value);

/// Runs `probe` of `probe_binary`; `out_dir` is created empty for it.
ProbeRun run_probe(const Kit& kit, const std::filesystem::path& probe_binary,
                   const std::string& probe, const std::filesystem::path& out_dir,
                   const ProbeSettings& settings);

}  // namespace grader
