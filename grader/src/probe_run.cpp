// Running one probe in the sandbox: see probe_run.hpp.
#include "probe_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "cgroup_limits.hpp"
#include "error.hpp"

namespace grader {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> pinned_blas_env(const BlasPinning& pinning) {
  static const std::string cpu_flags = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) == 0) return line + " ";
    }
    return std::string();
  }();
  for (const auto& flag : pinning.cpu_flags) {
    if (cpu_flags.find(" " + flag + " ") == std::string::npos) return {};
  }
  return pinning.env;
}

namespace {

/// bubblewrap's processes in a sandbox: the one the grader starts and the sandbox's PID 1.
constexpr int kBubblewrapProcesses = 2;

}  // namespace

int max_probe_threads() {
  // 2T − 1 + bubblewrap's < the limit
  return static_cast<int>((SandboxLimits{}.processes - kBubblewrapProcesses) / 2);
}

int default_probe_threads() { return std::min(usable_cpus(), max_probe_threads()); }

std::string probe_threads_problem(const std::string& value) {
  long threads = 0;
  std::size_t used = 0;
  try {
    threads = std::stol(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == value.size() && used > 0 && threads >= 1 && threads <= max_probe_threads()) return "";
  return fmt::format(
      "{} is not a thread count from 1 to {}: a probe given T threads runs 2T - 1 of them "
      "(nnkit's and OpenBLAS's workers) beside bubblewrap's {} processes, and its sandbox allows "
      "{} processes and threads in all; leave --threads out to use this machine's {} (its CPU "
      "quota or its CPUs)",
      value, max_probe_threads(), kBubblewrapProcesses, SandboxLimits{}.processes,
      default_probe_threads());
}

ProbeRun run_probe(const Kit& kit, const fs::path& probe_binary, const std::string& probe,
                   const fs::path& out_dir, const ProbeSettings& settings) {
  std::error_code ec;
  fs::remove_all(out_dir, ec);
  fs::create_directories(out_dir);
  if (geteuid() == 0) chown(out_dir.c_str(), sandbox_uid(), sandbox_uid());
  for (const auto& [name, bytes] : settings.input_files) write_file_atomically(out_dir / name, bytes);

  SandboxCommand command;
  command.argv = {"/probe/probe", probe};
  command.binds = {{probe_binary, "/probe/probe"},
                   {settings.data_dir, "/data"},
                   {out_dir, "/out", true}};
  command.cwd = "/out";
  command.env = settings.blas_env;
  command.env.insert(command.env.end(), kit.sandbox_env.begin(), kit.sandbox_env.end());
  command.env.insert(command.env.end(),
                     {{"NNKIT_PROBE_DATA", "/data"}, {"NNKIT_PROBE_OUT", "/out"},
                      {"NNKIT_PROBE_FD", "3"},
                      {"OPENBLAS_NUM_THREADS", std::to_string(settings.threads)}});
  command.limits.wall_seconds = settings.timeout_s;
  command.limits.startup_seconds = settings.startup_s;
  command.limits.cpu_seconds = static_cast<long>(settings.timeout_s * (settings.threads + 1)) + 5;
  command.observation_channel = true;
  command.scratch_dir = out_dir.string() + ".scratch";  // bubblewrap < 0.7: /tmp, /dev/shm

  ProbeRun run;
  run.out_dir = out_dir;
  run.process = run_sandboxed(command);
  if (run.process.sandbox_failed) throw Error(run.process.describe());
  run.observations = parse_observations(run.process.channel_text);
  const auto& err = run.process.stderr_text;
  const auto* exception = run.observations.find("exception");
  if (exception) {
    run.failure = "threw an exception: " + exception->text;
  } else if (!run.process.ok()) {
    run.failure = run.process.describe();
    if (const auto at = err.find("terminate called"); at != std::string::npos) {
      const auto line_end = err.find('\n', at);
      run.failure += " — " + err.substr(at, line_end == std::string::npos ? std::string::npos
                                                                          : line_end - at);
    }
  } else if (run.observations.problem) {
    run.failure = "its report is unusable: " + *run.observations.problem;
  }
  // An allocation refused at the address-space limit: the exception (caught by the probe
  // runtime or not) says std::bad_alloc. A SIGKILL by the kernel's OOM killer is named by
  // describe().
  if (!run.failure.empty() &&
      (err.find("std::bad_alloc") != std::string::npos ||
       (exception && exception->text.find("std::bad_alloc") != std::string::npos))) {
    run.failure += fmt::format(" — out of memory: the address-space limit of {} GiB "
                               "(RLIMIT_AS) was reached",
                               command.limits.address_space_bytes >> 30);
  }
  if (!run.failure.empty()) {
    // No case reads the files of a probe that did not finish: they go now, not at the end
    // of the grading, so that probes stopped at the /out cap do not add up on the disk.
    fs::remove_all(out_dir, ec);
    fs::create_directories(out_dir, ec);
  }
  if (run.process.stdout_bytes > command.limits.output_cap) {
    run.note = fmt::format("it printed {} bytes; only the first {} were kept",
                           run.process.stdout_bytes, command.limits.output_cap);
  }
  return run;
}

}  // namespace grader
