// Running one probe in the sandbox: see probe_run.hpp.
#include "probe_run.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

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

ProbeRun run_probe(const Kit& kit, const fs::path& probe_binary, const std::string& probe,
                   const fs::path& out_dir, const ProbeSettings& settings) {
  std::error_code ec;
  fs::remove_all(out_dir, ec);
  fs::create_directories(out_dir);
  if (geteuid() == 0) chown(out_dir.c_str(), sandbox_uid(), sandbox_uid());

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
  command.limits.cpu_seconds = static_cast<long>(settings.timeout_s * (settings.threads + 1)) + 5;
  command.observation_channel = true;

  ProbeRun run;
  run.out_dir = out_dir;
  run.process = run_sandboxed(command);
  if (run.process.sandbox_failed) throw Error(run.process.describe());
  run.observations = parse_observations(run.process.channel_text);
  if (const auto* exception = run.observations.find("exception")) {
    run.failure = "threw an exception: " + exception->text;
  } else if (!run.process.ok()) {
    run.failure = run.process.describe();
    const auto& err = run.process.stderr_text;
    if (err.find("std::bad_alloc") != std::string::npos) {
      run.failure += " — out of memory (std::bad_alloc: the address-space limit is " +
                     fmt::format("{} GiB)", command.limits.address_space_bytes >> 30);
    } else if (err.find("terminate called") != std::string::npos) {
      const auto line_end = err.find('\n', err.find("terminate called"));
      run.failure += " — " + err.substr(err.find("terminate called"),
                                         line_end == std::string::npos ? std::string::npos
                                                                       : line_end - err.find("terminate called"));
    }
  } else if (run.observations.problem) {
    run.failure = "its report is unusable: " + *run.observations.problem;
  }
  if (run.process.stdout_bytes > command.limits.output_cap) {
    run.note = fmt::format("it printed {} bytes; only the first {} were kept",
                           run.process.stdout_bytes, command.limits.output_cap);
  }
  return run;
}

}  // namespace grader
